/* token.h: subject tokens such as "[ACME#1042]" (postdeskd(8) Threading). */
#ifndef PD_TOKEN_H
#define PD_TOKEN_H

#include <glib.h>

struct pd_token {
	char tag[33];      /* as written in the subject, upper-cased */
	unsigned long num; /* ticket number */
};

/* Finds every "[TAG#NUMBER]" anywhere in subject: case-insensitive, spaces
 * tolerated inside the brackets and around '#' ("[ acme # 1042 ]").  When tag
 * is non-NULL only that tag counts; NULL accepts any tag of 1-32 letters,
 * digits, '-' or '_'.  Appends struct pd_token values to out (a GArray of
 * struct pd_token), duplicates removed; returns how many were appended. */
unsigned token_find(const char *subject, const char *tag, GArray *out);

/* "[TAG#N]" in a g_malloc'd string. */
char *token_format(const char *tag, unsigned long num);

/* A copy of subject with every token of tag (any tag if NULL) and the space
 * after it removed, g_malloc'd. */
char *token_strip(const char *subject, const char *tag);

#endif
