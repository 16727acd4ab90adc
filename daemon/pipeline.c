/* pipeline.c: placeholder */
