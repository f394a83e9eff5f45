#!/usr/bin/env python3
"""mbedtls-codes.py - the mbedTLS error codes of a header directory, for
harness/explain/tables/mbedtls.ini (a maintainer's tool, not a build step).

  mbedtls-codes.py HEADER_DIR list            code, name, the header's text, mbedtls_strerror()'s text
  mbedtls-codes.py HEADER_DIR update TABLE [--version 3] [--add MODULE...]
      puts the mbedtls_strerror() text into 'shows' of every row of TABLE whose name the headers
      define (rows of that version: 2 = unsuffixed rows, 3 = [CODE@3] rows), and appends a row for
      every code of the given modules (RSA ECP MPI PK CIPHER) the table lacks.

mbedtls_strerror() prints "MODULE - text" (library/error.c is generated from the headers by
scripts/generate_errors.pl: the module is the name's third word, MPI printed as BIGNUM, the text
the header's comment without its final period), and "HIGH : LOW" for a composed code.
"""
import os
import re
import sys

DEF = re.compile(r'^#define\s+(MBEDTLS_ERR_[A-Z0-9_]+)\s+\(?(-0x[0-9A-Fa-f]+)\)?\s*(?:/\*\*<\s*(.*?)\s*\*/)?\s*$')
PRE = re.compile(r'^\s*/\*\*\s*(.*?)\s*\*/\s*$')


def codes(hdir):
    out = {}
    for fn in sorted(os.listdir(hdir)):
        if not fn.endswith('.h'):
            continue
        prev = None
        for line in open(os.path.join(hdir, fn), encoding='utf-8', errors='replace'):
            m = DEF.match(line)
            if m:
                name, val, trail = m.groups()
                text = trail or prev
                if text and name not in out and 'DEPRECATED' not in name:
                    out[name] = (int(val, 16), text, fn)
            pm = PRE.match(line)
            prev = pm.group(1) if pm else (prev if line.strip() == '' else None)
    return out


def module(name):
    m = name.split('_')[2]
    return 'BIGNUM' if m == 'MPI' else m


def strerror(name, text):
    return '%s - %s' % (module(name), text[:-1] if text.endswith('.') else text)


def main():
    hdir, cmd = sys.argv[1], sys.argv[2]
    cs = codes(hdir)
    if cmd == 'list':
        for name, (val, text, fn) in sorted(cs.items(), key=lambda x: x[1][0]):
            print('-0x%04X\t%s\t%s\t%s' % (-val, name, fn, strerror(name, text)))
        return
    table = sys.argv[3]
    version = '3' if '--version' in sys.argv and sys.argv[sys.argv.index('--version') + 1] == '3' else '2'
    add = sys.argv[sys.argv.index('--add') + 1:] if '--add' in sys.argv else []
    s = open(table).read()
    parts = re.split(r'(?m)^(?=\[)', s)
    seen = set()
    for i, p in enumerate(parts):
        m = re.match(r'\[(-0x[0-9A-Fa-f]+)(@\d+)?\]\n', p)
        if not m:
            continue
        nm = re.search(r'(?m)^name = (\S+)', p).group(1)
        seen.add(nm)
        if (m.group(2) == '@3') != (version == '3') or nm not in cs:
            continue
        text = strerror(nm, cs[nm][1])
        sh = re.search(r'(?m)^shows = (.*)$', p)
        if sh and text in sh.group(1):
            continue
        if sh:
            p = p.replace(sh.group(0), 'shows = %s | %s' % (sh.group(1), text))
        else:
            p = p.rstrip('\n') + '\nshows = %s\n\n' % text
        parts[i] = p
    s = ''.join(parts).rstrip('\n') + '\n'
    for name, (val, text, fn) in sorted(cs.items(), key=lambda x: -x[1][0]):
        if name in seen or name.split('_')[2] not in add:
            continue
        s += '\n[-0x%04X]\nname = %s\nmeaning = %s\nsource = MB: include/mbedtls/%s\nshows = %s\n' % (
            -val, name, text, fn, strerror(name, text))
    open(table, 'w').write(s)


if __name__ == '__main__':
    main()
