/*
 * cmd.h - the subcommands of tlsdiag.  Each lives in its own cmd_*.c file,
 * parses its own options and returns an exit code (see core/err.h).
 */
#ifndef TLSDIAG_CMD_H
#define TLSDIAG_CMD_H

int cmd_decode(int argc, char **argv);
int cmd_servers(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_capture(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_client_caps(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_devices(int argc, char **argv);

#endif
