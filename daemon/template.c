/* template.c: placeholder */
