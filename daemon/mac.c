/* mac.c: placeholder */
