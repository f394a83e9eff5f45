/*
 * pcapng_dsb.h - a case's capture as pcapng with its TLS key log in a
 * Decryption Secrets Block (pcapng draft, section 4.7; what
 * `editcap --inject-secrets tls,KEYLOG` writes), so Wireshark and tshark
 * open it decrypted with no options, and `tlsdiag decode` uses the keys.
 */
#ifndef TLSDIAG_CAPTURE_PCAPNG_DSB_H
#define TLSDIAG_CAPTURE_PCAPNG_DSB_H

#include <stddef.h>

/*
 * Writes out_path (a new file: O_CREAT|O_EXCL|O_NOFOLLOW, 0600, it holds
 * secrets) from the frames of pcap_path (pcap or pcapng) and the key log
 * keylog_path (at most 64 MiB).  0, or -1 with err; a file half written
 * is removed.
 */
int pcapng_dsb_write(const char *pcap_path, const char *keylog_path, const char *out_path, char *err,
		     size_t errlen);

#endif
