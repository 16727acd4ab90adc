/* compose.c: placeholder */
