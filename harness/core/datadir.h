/*
 * datadir.h - where tlsdiag finds the files it ships, and where a run
 * writes when no --out is given.
 *
 * An installed tlsdiag needs no source tree: 'make install' puts the
 * scenarios, server profiles (also compiled in), man pages and docs under
 * $(PREFIX)/share, and the binary finds them beside itself
 * (<dir of the binary>/../share/tlsdiag), so the tree can be moved or
 * staged with DESTDIR.  docs/install.md describes the layout.
 */
#ifndef TLSDIAG_CORE_DATADIR_H
#define TLSDIAG_CORE_DATADIR_H

#include <stddef.h>

/* The installed share/tlsdiag directory (resolved, no symlinks); -1 when this binary is not installed. */
int datadir_find(char *buf, size_t len);

/*
 * The scenario directory 'tlsdiag run' uses without arguments: ./scenarios
 * when there is one, else the installed one.  -1 when neither exists.
 */
int datadir_scenarios(char *buf, size_t len);

/*
 * Where runs go without --out: captures/runs in a tlsdiag source tree (git
 * ignores it there), else ./tlsdiag-runs.  -1 with err set when the current
 * directory is inside the installed tree: outputs never go there.
 */
int datadir_runs_base(char *buf, size_t len, char *err, size_t errlen);

#endif
