#!/usr/bin/python3
"""corpus_inspect.py: `postdesk inspect --json` over every message of the
shared corpus: exit 0 and one valid JSON object each, and the decoded
subject / from / attachment names of the hand-checked messages listed in
tests/corpus-expect.tsv.  Then the same over the test mails of tests/mail
(written in the style of real mail programs, issue 12) against
tests/mail-expect.tsv.  Prints TAP."""
import json
import os
import subprocess
import sys

top_builddir = os.environ.get('top_builddir', '.')
top_srcdir = os.environ.get('top_srcdir', '.')
postdesk = os.path.join(top_builddir, 'postdesk')
corpus = os.path.join(top_srcdir, '..', 'shared', 'corpus')
if not os.path.isdir(corpus):
    corpus = '/work/shared/corpus'
if not os.path.isdir(corpus):
    print('1..0 # SKIP corpus not found')
    sys.exit(0)
if not os.access(postdesk, os.X_OK):
    print('1..0 # SKIP postdesk not built')
    sys.exit(0)

def mailboxes(l):
    return ' | '.join('%s <%s>' % (a['name'], a['address']) for a in l)


FIELDS = {
    'subject': lambda j: ' '.join(j['subject'].split()),
    'from.name': lambda j: j['from']['name'],
    'from.address': lambda j: j['from']['address'],
    'attachments': lambda j: ' | '.join(a['filename'] for a in j['attachments']),
    # tests/mail-expect.tsv only:
    'to': lambda j: mailboxes(j['to']),
    'cc': lambda j: mailboxes(j['cc']),
    'text': lambda j: ' '.join(j['text'].split()),
    'error': lambda j: j.get('error', ''),
    'truncated_reason': lambda j: j.get('truncated_reason', ''),
    'junk_lines': lambda j: str(j.get('junk_lines', 0)),
}
n = 0
failed = 0


def check(cond, name, detail=None):
    global n, failed
    n += 1
    print('%s %d - %s' % ('ok' if cond else 'not ok', n, name))
    if not cond:
        failed += 1
        if detail:
            for line in detail.splitlines():
                print('#   ' + line)
    sys.stdout.flush()


def inspect(path):
    r = subprocess.run([postdesk, 'inspect', '--json', path],
                       capture_output=True, timeout=60)
    try:
        return r.returncode, json.loads(r.stdout.decode('utf-8'))
    except ValueError as e:
        return r.returncode, e


def run(top, expect):
    """Every .eml under top, then the expectations of the file expect."""
    messages = sorted(os.path.relpath(os.path.join(d, f), top)
                      for d, _, fs in os.walk(top) for f in fs
                      if f.endswith('.eml'))
    results = {}
    for rel in messages:
        rc, j = inspect(os.path.join(top, rel))
        good = rc == 0 and isinstance(j, dict) and 'subject' in j
        results[rel] = j if good else None
        check(good, 'inspect %s' % rel,
              'exit %d, %s' % (rc, j) if not good else None)
    with open(expect, encoding='utf-8') as fp:
        for line in fp:
            line = line.rstrip('\n')
            if not line or line.startswith('#'):
                continue
            rel, field, want = line.split('\t', 2)
            j = results.get(rel)
            got = FIELDS[field](j) if j else None
            check(got == want, '%s %s' % (rel, field),
                  'got:  %r\nwant: %r' % (got, want))


run(corpus, os.path.join(top_srcdir, 'tests', 'corpus-expect.tsv'))
run(os.path.join(top_srcdir, 'tests', 'mail'),
    os.path.join(top_srcdir, 'tests', 'mail-expect.tsv'))

print('1..%d' % n)
sys.exit(1 if failed else 0)
