/* pdlimits.h: every bound on hostile input, in one place (postdesk.conf(5) limits). */
#ifndef PD_LIMITS_H
#define PD_LIMITS_H

#include <stddef.h>

struct pd_limits {
	size_t max_message_size;  /* bytes of raw message; larger is quarantined */
	unsigned max_parts;       /* MIME leaf parts walked */
	unsigned max_depth;       /* multipart / message nesting */
	size_t max_header_length; /* bytes of one header's value */
	unsigned max_recipients;  /* addresses kept per To or Cc */
	size_t max_text;          /* bytes of body text kept */
	unsigned max_headers;     /* headers of the message; more is
	                           * quarantined */
	size_t max_html;          /* bytes of one HTML part given to the
	                           * HTML-to-text conversion */
};

/* The defaults used when the config says nothing. */
#define PD_LIMITS_DEFAULT { \
	.max_message_size = 25u * 1024 * 1024, \
	.max_parts = 200, \
	.max_depth = 16, \
	.max_header_length = 64 * 1024, \
	.max_recipients = 200, \
	.max_text = 1024 * 1024, \
	.max_headers = 1000, \
	.max_html = 2 * 1024 * 1024, \
}

#endif
