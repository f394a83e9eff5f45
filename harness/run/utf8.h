/*
 * utf8.h - text from the wire (server logs, wolfSSL messages, decoded
 * names) made safe for reports: UTF-8 checked as RFC 3629 says, anything
 * invalid replaced by U+FFFD, so JSON and XML writers never see bad bytes.
 */
#ifndef TLSDIAG_RUN_UTF8_H
#define TLSDIAG_RUN_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Length of the valid UTF-8 sequence at p (NUL-terminated) and its code point; 0 when invalid. */
size_t utf8_next(const unsigned char *p, uint32_t *cp);
/* A malloc'd copy of s with every invalid sequence replaced by U+FFFD. */
char *utf8_clean(const char *s);

#endif
