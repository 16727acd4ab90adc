"""The benchmark's mail mix (contrib/bench/bench.py).

mix(n, seed, first_ticket) returns n raw messages (bytes, CRLF) in the
order they arrive: new requests (55 %), follow-ups of earlier requests by
their clients (20 %), agent answers and notes (10 %), automated mail
(15 %: out-of-office replies, list mail, delivery reports).  39 % Russian,
15 % HTML (multipart/alternative), 10 % with a 100 KB attachment (its
base64 text; 73 KB decoded), about 18.7 KB on average.  Deterministic for a
seed.  Ticket numbers are guessed from the order of the new requests
(first_ticket + k), which is what the daemon gives them."""
import base64
import random
from email.utils import formatdate

SUPPORT = "support@example.test"
AGENT = "olga@example.test"

EN = ("The printer on the third floor stops after every second page and "
      "shows error 0x4F. We restarted it twice and replaced the toner, but "
      "the problem comes back within an hour. Could you please have a look? ")
RU = ("Принтер на третьем этаже останавливается после каждой второй "
      "страницы и показывает ошибку 0x4F. Мы дважды его перезапускали и "
      "заменили картридж, но через час проблема возвращается. Посмотрите, "
      "пожалуйста. ")
SUBJ_EN = ["Printer error 0x4F", "Cannot log in to VPN", "Invoice is wrong",
           "Mailbox is full", "License expired", "Backup failed tonight"]
SUBJ_RU = ["Ошибка принтера 0x4F", "Не могу войти в VPN", "Неверный счёт",
           "Почтовый ящик переполнен", "Истекла лицензия",
           "Ночная копия не создалась"]


def _b64(data):
    s = base64.b64encode(data).decode()
    return "\r\n".join(s[i:i + 76] for i in range(0, len(s), 76)) + "\r\n"


EN_W = EN.replace(".", "").replace(",", "").replace("?", "").split()
RU_W = RU.replace(".", "").replace(",", "").split()
EN_SYL = "ba be bi bo bu ca co de di fa fe ga go ha he ja ka ke la le li lo " \
    "ma me mi mo na ne ni no pa pe pi po ra re ri ro sa se si so ta te ti to " \
    "va ve vi wa we ya yo za ze zo".split()
RU_SYL = "ба бе би бо бу ва ве ви во га го да де ди до жа жи за зе зи ка ке " \
    "ки ко ла ле ли ло ма ме ми мо на не ни но па пе пи по ра ре ри ро са " \
    "се си со та те ти то фа фе ха хо ца ча че чи ша ше щи".split()


def _vocabulary(syl, seed, n=6000):
    """n made-up words (a language's working vocabulary), most used first,
    with their cumulative Zipf weights."""
    rnd = random.Random(seed)
    words = ["".join(rnd.choice(syl) for _ in range(rnd.randint(1, 4)))
             for _ in range(n)]
    cum, t = [], 0.0
    for i in range(n):
        t += 1.0 / (i + 1)
        cum.append(t)
    return words, cum


_VOCAB = {}


def _sentence(rnd, ru):
    """Words of the paragraph mixed with words of a made-up vocabulary
    (Zipf-distributed, as in prose) and numbers: text that deflates two to
    threefold and indexes like mail prose (the paragraph alone, repeated,
    would deflate twentyfold and flatter the database figures)."""
    words, syl = (RU_W, RU_SYL) if ru else (EN_W, EN_SYL)
    if ru not in _VOCAB:
        _VOCAB[ru] = _vocabulary(syl, 7 + ru)
    vocab, cum = _VOCAB[ru]
    n = rnd.randint(6, 16)
    made = rnd.choices(vocab, cum_weights=cum, k=n)
    out = []
    for i in range(n):
        r = rnd.random()
        if r < 0.4:
            out.append(rnd.choice(words))
        elif r < 0.95:
            out.append(made[i])
        else:
            out.append(str(rnd.randrange(100000)))
    return " ".join(out).capitalize() + rnd.choice((". ", "? ", "! ", ". "))


def _text(rnd, ru, target):
    out = []
    size = 0
    while size < target:
        p = "".join(_sentence(rnd, ru) for _ in range(rnd.randint(2, 6)))
        out.append(p)
        size += len(p.encode())
    out.append("\r\n-- \r\n" + ("Иван Петров, ООО Ромашка" if ru
                                else "John Smith, Example Ltd"))
    return "\r\n\r\n".join(out)


def _qp_utf8(s):
    # 8bit bodies: Dovecot and our parser take them; simpler than QP.
    return s


def _mail(rnd, frm, subject, msgid, text, ru, html=False, attach=False,
          headers=()):
    h = ["From: %s" % frm, "To: %s" % SUPPORT, "Subject: %s" % subject,
         "Message-ID: <%s>" % msgid, "Date: %s" % formatdate(localtime=False),
         "MIME-Version: 1.0"]
    h += list(headers)
    plain = ("Content-Type: text/plain; charset=utf-8\r\n"
             "Content-Transfer-Encoding: 8bit\r\n\r\n" + text + "\r\n")
    body = plain
    if html:
        hb = "<html><body><p>" + text.replace("\r\n\r\n", "</p><p>") + \
             "</p></body></html>"
        body = ("Content-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n"
                "--alt\r\n" + plain + "--alt\r\n"
                "Content-Type: text/html; charset=utf-8\r\n"
                "Content-Transfer-Encoding: 8bit\r\n\r\n" + hb +
                "\r\n--alt--\r\n")
    if attach:
        data = rnd.randbytes(73 * 1024)
        body = ("Content-Type: multipart/mixed; boundary=\"mix\"\r\n\r\n"
                "--mix\r\n" + body + "--mix\r\n"
                "Content-Type: application/pdf; name=\"report.pdf\"\r\n"
                "Content-Disposition: attachment; filename=\"report.pdf\"\r\n"
                "Content-Transfer-Encoding: base64\r\n\r\n" + _b64(data) +
                "--mix--\r\n")
    return ("\r\n".join(h) + "\r\n" + body).encode()


def mix(n, seed=13, first_ticket=1000, tag="ACME", prefix="b"):
    rnd = random.Random(seed)
    out = []
    requests = []   # (msgid, client, subject, ru, ticket)
    tickets = 0
    for i in range(n):
        ru = rnd.random() < 0.39
        html = rnd.random() < 0.15
        attach = rnd.random() < 0.10
        text = _text(rnd, ru, rnd.randint(4000, 19000))
        msgid = "%s.%d.%d@client.test" % (prefix, seed, i)
        r = rnd.random()
        if r < 0.55 or not requests:
            client = "client%d@c%d.test" % (rnd.randrange(4000), rnd.randrange(60))
            subject = rnd.choice(SUBJ_RU if ru else SUBJ_EN) + " (%d)" % i
            out.append(_mail(rnd, client, subject, msgid, text, ru, html, attach))
            requests.append((msgid, client, subject, ru, first_ticket + tickets))
            tickets += 1
        elif r < 0.75:
            pm, client, subject, pru, t = rnd.choice(requests)
            quote = "\r\n".join("> " + l for l in text[:2000].split("\r\n"))
            out.append(_mail(rnd, client, "Re: " + subject, msgid,
                             text[:4000] + "\r\n\r\n" + quote, pru, html, attach,
                             ["In-Reply-To: <%s>" % pm, "References: <%s>" % pm]))
        elif r < 0.85:
            pm, client, subject, pru, t = rnd.choice(requests)
            note = rnd.random() < 0.5
            out.append(_mail(rnd, "Olga Ivanova <%s>" % AGENT,
                             "Re: [%s#%d] %s" % (tag, t, subject), msgid,
                             ("#note " if note else "") + text[:3000], pru, html,
                             False, ["In-Reply-To: <%s>" % pm]))
        else:
            kind = rnd.choice(("ooo", "list", "dsn"))
            frm = "client%d@c%d.test" % (rnd.randrange(4000), rnd.randrange(60))
            if kind == "ooo":
                out.append(_mail(rnd, frm, "Automatic reply: out of office", msgid,
                                 text[:1500], ru, html, False,
                                 ["Auto-Submitted: auto-replied"]))
            elif kind == "list":
                out.append(_mail(rnd, "news@lists.example.org",
                                 "[news] Weekly digest %d" % i, msgid, text, ru,
                                 html, attach,
                                 ["List-Id: <news.lists.example.org>",
                                  "Precedence: list"]))
            else:
                out.append(_mail(rnd, "MAILER-DAEMON@mx.c1.test",
                                 "Undelivered Mail Returned to Sender", msgid,
                                 "This is the mail system. Your message could "
                                 "not be delivered to " + frm, False, False,
                                 False, ["Auto-Submitted: auto-replied"]))
    return out


def request(i, seed=99, prefix="lat"):
    """One small new request (for the latency run)."""
    rnd = random.Random(seed * 100003 + i)
    ru = rnd.random() < 0.39
    msgid = "%s.%d.%d@client.test" % (prefix, seed, i)
    client = "lat%d@l%d.test" % (i, i % 50)
    return msgid, _mail(rnd, client, (SUBJ_RU if ru else SUBJ_EN)[i % 6] +
                        " [lat %d]" % i, msgid, _text(rnd, ru, 2000), ru)
