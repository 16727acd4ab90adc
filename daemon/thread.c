/* thread.c: placeholder */
