/* fetch.c: placeholder */
