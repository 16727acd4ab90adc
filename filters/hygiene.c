/* hygiene.c: placeholder */
