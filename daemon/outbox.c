/* outbox.c: placeholder */
