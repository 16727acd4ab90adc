#!/usr/bin/python3
# man_keys.py: postdesk.conf(5) documents every setting the loader knows,
# each with its type, its default and an example (issue 11, "Docs in the
# repository"), so the page cannot fall behind the code:
#  - every list of known settings in daemon/config*.c (the arrays passed
#    to check_known, `static const char *const NAME[] = { ... }`) has all
#    its names as `.It Ic name` items of one section of the page (a `.Ss`,
#    or the `.Sh` holding several, as ROUTING RULES does);
#  - every `.It Ic` item of the setting sections (from `.Ss Top level` up
#    to `.Sh QUEUES`, and the conditions, actions and other settings of
#    ROUTING RULES) names its type (`Pq type`) and says "Default" and
#    "Example" in its text.
# TAP.  Reads the sources only; the unit test tests/unit_config.c
# (test_man_keys) shows that every documented setting loads.
import os
import re
import sys

SRC = os.environ.get("top_srcdir", ".")
n = 0
failed = False


def ok(cond, what, detail=()):
    global n, failed
    n += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n, what))
    for d in detail:
        print("# " + d)
    if not cond:
        failed = True


def known_lists():
    """[(where, [names])] of every array of setting names."""
    lists = []
    d = os.path.join(SRC, "daemon")
    decl = re.compile(r"static const char \*const (\w+)\[\] = \{(.*?)\};",
                      re.S)
    for f in sorted(os.listdir(d)):
        if not (f.startswith("config") and f.endswith(".c")):
            continue
        text = open(os.path.join(d, f), encoding="utf-8").read()
        for m in decl.finditer(text):
            names = re.findall(r'"([a-z_]+)"', m.group(2))
            # Only lists of setting names, those check_known is given
            # (directly, or copied into its list): the values of a
            # setting (priorities, languages) are arrays too.
            v = re.escape(m.group(1))
            if not names or not re.search(
                    r"check_known\([^;]*\b%s\)|memcpy\([^;]*\b%s\b" %
                    (v, v), text):
                continue
            line = text.count("\n", 0, m.start()) + 1
            lists.append(("daemon/%s:%d %s" % (f, line, m.group(1)), names))
    return lists


def man_items():
    """Items of the page: [(sh, ss, names, head, body)]."""
    lines = open(os.path.join(SRC, "man", "postdesk.conf.5"),
                 encoding="utf-8").read().split("\n")
    items = []
    sh = ss = None
    cur = None
    depth = 0
    item_depth = None
    for l in lines:
        if l.startswith(".Sh "):
            sh, ss = l[4:], None
        elif l.startswith(".Ss "):
            ss = l[4:]
        if l.startswith(".Bl"):
            depth += 1
        elif l.startswith(".El"):
            if cur is not None and depth == item_depth:
                items.append(cur)
                cur = None
            depth -= 1
        elif l.startswith(".It") and cur is not None and depth == item_depth:
            items.append(cur)
            cur = None
        if l.startswith(".It Ic ") and cur is None:
            head = l[7:]
            names = [w for w in head.split(" Pq ")[0].split()
                     if w != ","]
            cur = (sh, ss, names, head, [])
            item_depth = depth
            continue
        if cur is not None:
            cur[4].append(l)
    return items


def setting_item(sh, ss):
    # DESCRIPTION's settings start at ".Ss Top level".
    if sh == "DESCRIPTION":
        return ss is not None
    return sh == "ROUTING RULES" and ss in (
        "Conditions", "Actions", "Other settings of a rule")


items = man_items()
ok(len(items) > 100, "postdesk.conf.5: %d items read" % len(items))
settings = [i for i in items if setting_item(i[0], i[1])]
sections = {}
for sh, ss, names, head, body in settings:
    sections.setdefault(ss, set()).update(names)
    # ROUTING RULES splits one group's settings over three subsections.
    if sh != "DESCRIPTION":
        sections.setdefault(sh, set()).update(names)

lists = known_lists()
ok(len(lists) >= 15, "%d lists of known settings in daemon/config*.c"
   % len(lists))
for where, names in lists:
    home = [s for s, have in sections.items() if set(names) <= have]
    missing = [] if home else sorted(
        set(names) - max(sections.values(),
                         key=lambda h: len(set(names) & h)))
    ok(bool(home), "%s: every name documented in one section%s" % (
        where, " (%s)" % home[0] if home else ""),
       ["not documented: " + " ".join(missing)] if missing else [])

bad_type, bad_default, bad_example = [], [], []
for sh, ss, names, head, body in settings:
    text = "\n".join(body)
    label = "%s: %s" % (ss, " ".join(names))
    if " Pq " not in head:
        bad_type.append(label)
    if "Default" not in text:
        bad_default.append(label)
    if "Example" not in text:
        bad_example.append(label)
ok(len(settings) >= 100, "%d setting items in the setting sections"
   % len(settings))
ok(not bad_type, "every setting item names its type (Pq)", bad_type)
ok(not bad_default, "every setting item says its Default", bad_default)
ok(not bad_example, "every setting item gives an Example", bad_example)
print("1..%d" % n)
sys.exit(1 if failed else 0)
