#!/usr/bin/python3
"""A throwaway SMTP server for tests and the demo (loopback only).

usage: smtp_sink.py PORT MAILDIR CERT KEY [LMTP_PORT]

Speaks STARTTLS and AUTH PLAIN/LOGIN (user "gateway", password "gwpass";
AUTH only after STARTTLS, as real submission servers do).  Every accepted
message is stored in MAILDIR with X-Sink-Mail-From / X-Sink-Rcpt-To headers
and, when LMTP_PORT is given, delivered to Dovecot over LMTP so it lands in
the recipient's IMAP mailbox.  Recipients @reject.test get 550, @tempfail.test
get 451.  It offers PIPELINING.  Run it with Debian's /usr/bin/python3 (python3-aiosmtpd)."""
import itertools, mailbox, signal, smtplib, ssl, sys, threading
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

port, maildir, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
lmtp_port = int(sys.argv[5]) if len(sys.argv) > 5 else 0
box = mailbox.Maildir(maildir, create=True)
# Queue ids count the mails of this run.  Not len(box): mailbox.Maildir
# lists and stats the whole folder again on every call made within two
# seconds of the last, so each mail cost time in proportion to the mails
# stored before it.
accepted = itertools.count(1)


class Handler:
    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        # Offer PIPELINING (RFC 2920) as Postfix and Exim do; aiosmtpd
        # reads commands in order from its stream, so it serves it.
        session.host_name = hostname
        return responses[:-1] + ["250-PIPELINING"] + responses[-1:]

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.endswith("@reject.test"):
            return "550 5.1.1 <%s>: user unknown" % address
        if address.endswith("@tempfail.test"):
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        sender = (envelope.mail_from or "").strip("<>")  # null sender: <>
        hdr = ("X-Sink-Mail-From: <%s>\r\nX-Sink-Rcpt-To: %s\r\n"
               % (sender, ", ".join(envelope.rcpt_tos))).encode()
        box.add(hdr + envelope.original_content)
        if lmtp_port:
            try:
                with smtplib.LMTP("127.0.0.1", lmtp_port) as l:
                    l.sendmail(envelope.mail_from or "<>", envelope.rcpt_tos,
                               envelope.original_content)
            except Exception as e:  # the sink copy is kept either way
                print("lmtp relay failed: %s" % e, file=sys.stderr, flush=True)
        return "250 2.0.0 queued as sink-%d" % next(accepted)


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword)
          and auth_data.login == b"gateway" and auth_data.password == b"gwpass")
    # handled=False: aiosmtpd answers 235/535 itself (True leaves a failed
    # login without any reply and the client hangs until its timeout).
    return AuthResult(success=ok, handled=False)


tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
tls.load_cert_chain(cert, key)
ctl = Controller(Handler(), hostname="127.0.0.1", port=port, tls_context=tls,
                 authenticator=authenticator, auth_required=False,
                 auth_require_tls=True, data_size_limit=64 * 1024 * 1024)
ctl.start()
print("smtp sink on 127.0.0.1:%d" % port, flush=True)
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *a: stop.set())
signal.signal(signal.SIGINT, lambda *a: stop.set())
stop.wait()
ctl.stop()
