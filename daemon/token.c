/* token.c: placeholder */
