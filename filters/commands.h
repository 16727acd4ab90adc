/* commands.h: agent commands at the top of a mail (postdesk.conf(5) THREAT MODEL).
 *
 * Lines "#word args", one per line, from the first non-empty line until
 * the first other line (blank lines between commands are allowed).  The
 * words and their Russian aliases map to one closed set of verbs.  Only
 * parsing lives here; executing is the daemon's job. */
#ifndef PD_COMMANDS_H
#define PD_COMMANDS_H

#include <glib.h>

enum cmd_verb {
	CMD_UNKNOWN,  /* "#something" we do not know: reported, never run */
	CMD_NOTE,     /* #note, #заметка, #примечание */
	CMD_TAKE,     /* #take, #взять, #беру */
	CMD_ASSIGN,   /* #assign NAME, #назначить NAME */
	CMD_STATUS,   /* #status S, #статус S (S: new open waiting resolved
	               * closed, or Russian: новая открыта ожидание решена
	               * закрыта) */
	CMD_RESOLVE,  /* #resolve, #решено, #решить */
	CMD_CLOSE,    /* #close, #закрыть */
	CMD_PRIORITY, /* #priority P, #приоритет P (low normal high urgent;
	               * низкий обычный высокий срочный) */
	CMD_TYPE,     /* #type T, #тип T (question bug feature; вопрос
	               * ошибка доработка) */
	CMD_TIME,     /* #time 1h30m [nobill], #время 1ч30м [бесплатно] */
	CMD_TAG,      /* #tag +x -y, #метка +x -y */
	CMD_CC,       /* #cc ADDRESS, #копия ADDRESS */
	CMD_SPLIT,    /* #split, #разделить */
	CMD_MERGE,    /* #merge N, #объединить N (N may be "[TAG#N]" or
	               * "#N" or "N") */
	CMD_ANSWER,   /* #answer NAME, #ответ NAME */
	CMD_CLIENT,   /* #client ADDRESS, #клиент ADDRESS */
	CMD_DUE,      /* #due DATE, #срок DATE (YYYY-MM-DD or DD.MM.YYYY),
	               * or working days: #due 3d, #срок 3д */
	CMD_QUEUE,    /* #queue NAME, #очередь NAME: move the ticket, or
	               * with #client file the new one there */
	CMD_FAQ,      /* #faq TITLE, #база TITLE, #чзв TITLE: the answer
	               * below becomes a FAQ entry (faq.h) */
};

struct cmd {
	enum cmd_verb verb;
	char *word;  /* as written, without '#', e.g. "взять" */
	char *arg;   /* the rest of the line, trimmed; "" when none */
	char *line;  /* the whole line as written, for transcripts */
	/* Filled for the verbs that take them; a bad argument leaves
	 * error set (a static English text) and the command must fail. */
	const char *error;
	char *value;          /* canonical English value: STATUS, PRIORITY,
	                       * TYPE ("resolved", "urgent", "bug"), ASSIGN
	                       * ANSWER and QUEUE names, CC/CLIENT address
	                       * (lower-cased), DUE as "YYYY-MM-DD" */
	unsigned long number; /* MERGE */
	unsigned minutes;     /* TIME */
	int billable;         /* TIME: 0 with nobill/бесплатно */
	GPtrArray *tags_add;  /* TAG: char *, lower-cased, without '+' */
	GPtrArray *tags_del;  /* TAG: char *, without '-' */
	unsigned days;        /* DUE as "3d", "3 дня": working days from
	                       * today (value is then NULL; the date is the
	                       * daemon's to find, postdesk.conf(5)
	                       * business_hours) */
};

struct cmd_parse {
	GPtrArray *cmds; /* of struct cmd *, in order */
	char *rest;      /* the text after the commands, leading blank lines
	                  * removed; "" when none */
};

/* Parses the top of text (UTF-8, LF).  A line starting with '#' followed
 * by a letter is a command line; "#" followed by a digit or space, or a
 * "[TAG#N]"-like line, is text.  Never fails: unknown words become
 * CMD_UNKNOWN.  Free with commands_free(). */
void commands_parse(const char *text, struct cmd_parse *out);
void commands_free(struct cmd_parse *p);

/* "1h30m", "90m", "1.5h", "2h", "45", "1ч30м", "1,5ч", "30 мин": minutes,
 * or -1 when not a duration (0 is not a duration). */
int commands_duration(const char *s);

#endif
