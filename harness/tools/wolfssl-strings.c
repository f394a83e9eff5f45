/*
 * wolfssl-strings.c - prints what the linked wolfSSL says for each code
 * given: "CODE<TAB>wolfSSL_ERR_reason_error_string() text", one a line.
 * A maintainer's tool for harness/explain/tables/wolfssl.ini ('shows'),
 * not part of the build:
 *
 *   cc -o build/wolfssl-strings harness/tools/wolfssl-strings.c $(pkg-config --cflags --libs wolfssl)
 *   build/wolfssl-strings -308 -313 -188
 */
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		char *end;
		long code;
		errno = 0;
		code = strtol(argv[i], &end, 10);
		if (errno || *end || code >= 0) {
			fprintf(stderr, "wolfssl-strings: usage: '%s' is not a negative code\n", argv[i]);
			return 2;
		}
		/* wolfSSL_ERR_reason_error_string() takes the code as wolfSSL_get_error() returns it */
		printf("%ld\t%s\n", code, wolfSSL_ERR_reason_error_string((unsigned long)code));
	}
	return 0;
}
