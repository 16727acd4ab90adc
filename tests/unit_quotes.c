/* unit_quotes.c: quotes_strip on hand-made and real (corpus) replies. */
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "quotes.h"
#include "tap.h"

struct qcase {
	const char	*name;
	const char	*in;
	const char	*want;
};

static const struct qcase cases[] = {
	{ "plain text untouched", "Hello\nworld\n", "Hello\nworld" },
	{ "empty", "", "" },
	{ "only blanks", "\n \n\t\n", "" },
	{ "crlf and trailing blanks", "Hi\r\nthere\r\n\r\n", "Hi\nthere" },
	{ "gmail", "Thanks, fixed.\n\nOn Mon, Nov 23, 2026 at 10:00 AM Ivan "
	    "<a@b.ru> wrote:\n\n> Hi\n> there\n", "Thanks, fixed." },
	{ "gmail wrapped", "Done.\n\nOn Mon, Nov 23, 2026 at 10:00 AM Ivan "
	    "Petrov <ivan.petrov@example.com>\nwrote:\n\n> Hi\n", "Done." },
	{ "thunderbird en", "Ok\n\nOn 23.11.2026 10:00, Ivan wrote:\n> Hi\n",
	    "Ok" },
	{ "thunderbird ru", "Работает, спасибо.\n\n23.11.2026 10:00, Иван "
	    "Петров пишет:\n> Проверьте, пожалуйста\n", "Работает, спасибо." },
	{ "ru написал(а)", "Да\n\n23.11.2026 10:00, Мария написал(а):\n"
	    "> Вопрос\n", "Да" },
	{ "gmail ru no verb", "Принято.\n\nпн, 23 нояб. 2026 г. в 10:00, Иван "
	    "<ivan@example.ru>:\n\n> Текст\n", "Принято." },
	{ "apple mail", "Hello\n\nOn Apr 3, 2012, at 4:19 PM, bob wrote:\n\n"
	    "> Hi\n", "Hello" },
	{ "outlook underscores", "See attached.\n\n"
	    "________________________________\nFrom: Ivan <a@b>\n"
	    "Sent: Monday, November 23, 2026 10:00 AM\nTo: support\n"
	    "Subject: Re: invoice\n\nOld text\n", "See attached." },
	{ "outlook block no underscores", "Yes.\n\nFrom: Ivan <a@b>\n"
	    "Sent: Monday\nTo: support\nSubject: x\n\nold\n", "Yes." },
	{ "outlook ru", "Добрый день, проверили.\n\nОт: Иван <a@b>\n"
	    "Отправлено: 23 ноября 2026 г. 10:00\nКому: support\n"
	    "Тема: RE: счёт\n\nстарое\n", "Добрый день, проверили." },
	{ "original message", "New\n-----Original Message-----\nFrom: x\n"
	    "old\n", "New" },
	{ "исходное сообщение", "Новое\n\n-----Исходное сообщение-----\n"
	    "От: x\nстарое\n", "Новое" },
	{ "пересылаемое сообщение", "Посмотрите, пожалуйста.\n\n"
	    "-------- Пересылаемое сообщение --------\n20.11.2026, 09:00, "
	    "\"Клиент\" <c@d>:\nстарое\n", "Посмотрите, пожалуйста." },
	{ "gmail forward only", "---------- Forwarded message ---------\n"
	    "From: A <a@b>\nDate: Mon\nSubject: x\nTo: b\n\nbody\n", "" },
	{ "gt lines in middle", "Top\n> quoted\n> more\nBottom\n",
	    "Top\nBottom" },
	{ "signature dash space", "Text\n\n-- \nIvan Petrov\n+7 900\n",
	    "Text" },
	{ "signature dashes bare", "Text\n--\nIvan\n", "Text" },
	{ "double dash in text stays", "a -- b\n", "a -- b" },
	{ "sent from my iphone", "Ok\n\nSent from my iPhone\n\nOn Apr 3, 2012,"
	    " at 4:19 PM, bob <bob@example.com> wrote:\n\n> Hi\n", "Ok" },
	{ "отправлено с iphone", "Хорошо\n\nОтправлено с iPhone\n", "Хорошо" },
	{ "mail.ru mobile", "Да\n\nОтправлено из мобильной Почты Mail.ru\n",
	    "Да" },
	{ "bottom posted", "On Wed, Nov 19, 2014 at 12:11 AM, Levi <l@php.net> "
	    "wrote:\n\n> Dear Internals,\n> proposal\n>\n+1 from me.\n\n--\n"
	    "Ferenc\n", "+1 from me." },
	{ "interleaved", "Ivan wrote:\n> q1?\na1\n> q2?\na2\n", "a1\na2" },
	{ "sentence ending in wrote stays", "This is what the manager "
	    "wrote:\nhe liked it\n", "This is what the manager wrote:\n"
	    "he liked it" },
	{ "greeting above ru attribution", "Hi,\nthanks\n\n23.11.2026 10:00, "
	    "Иван пишет:\n> x\n", "Hi,\nthanks" },
	{ "from to prose stays", "From: Moscow\nTo: London\nPlease book.\n",
	    "From: Moscow\nTo: London\nPlease book." },
	{ "header lines inside a report stay", "Report about:\n  Date: Sun\n"
	    "  From: Ian <i@oxy.edu>\n  To: SoCal\n  Subject: x\n\nReason: "
	    "quota\n", "Report about:\n  Date: Sun\n  From: Ian <i@oxy.edu>\n"
	    "  To: SoCal\n  Subject: x\n\nReason: quota" },
	/* Real mail from /work/shared/corpus (text as decoded by inspect). */
	{ "corpus talon-android", "Hello\n02.04.2012 14:20 пользователь "
	    "\"bob@xxx.mailgun.org\" <\nbob@xxx.mailgun.org> написал:\n\n"
	    "> Hi\n>\n", "Hello" },
	{ "corpus talon-aol", "Hello\n\n\n\n-----Original Message-----\n"
	    "From: bob <bob@example.com>\nTo: xxx <xxx@gmail.com>\n"
	    "Sent: Mon, Apr 2, 2012 5:49 pm\nSubject: Test\n\n\nHi\n\n \n",
	    "Hello" },
	{ "corpus talon-apple_mail_2", "Hello\n> On 22 Aug 2015, at 19:21, "
	    "Adam Renberg <tgwizard@gmail.com> wrote:\n>\n> Hi there!\n",
	    "Hello" },
	{ "corpus talon-comcast", "Hello \n\n----- Original Message -----\n"
	    "From: bob@xxx.mailgun.org \nTo: xxx@gmail.com \nSent: Monday, "
	    "April 2, 2012 5:44:22 PM \nSubject: Test \n\nHi \n", "Hello" },
	{ "corpus talon-hotmail", "\nHello\n\n> Subject: Test\n> From: "
	    "bob@xxx.mailgun.org\n> To: xxx@gmail.com\n> Date: Mon, 2 Apr 2012 "
	    "17:44:22 +0400\n> \n> Hi\n \t\t \t   \t\t  \n", "Hello" },
	{ "corpus talon-outlook", "Hello\n\nFrom: xxx@xxx.mailgun.org "
	    "[mailto:xxx@xxx.mailgun.org]\nSent: March-09-12 4:22 PM\nTo: Dan "
	    "Le\nSubject: The manager has commented on your Loop\n\nHi dan\n",
	    "Hello" },
	{ "corpus talon-yahoo share block", "Hi Katharine.  Sounds great.\n \n"
	    "Joe XXX\n\n--- On Wed, 4/4/12, xxx@example.com <xxx@example.com> "
	    "wrote:\n\n\nFrom: xxx@example.com <xxx@example.com>\n"
	    "Subject: You've got a new booking inquiry!\nTo: xxx@yahoo.com\n",
	    "Hi Katharine.  Sounds great.\n\nJoe XXX" },
	{ "corpus talon-sparrow", "Hello \n\n-- \nxxx\nSent with Sparrow "
	    "(http://www.sparrowmailapp.com/?sig)\n\n\nOn Tuesday, April 3, "
	    "2012 at 4:55 PM, xxx wrote:\n\n> Hello\n", "Hello" },
	{ "corpus talon-thunderbird", "On 04/02/2012 06:26 PM, Megan One "
	    "wrote:\n> Hi \nHello", "Hello" },
	{ "corpus talon-yahoo", "Hello\n\n\n----- Original Message -----\n"
	    "From: \"bob@xxx.mailgun.org\" <bob@xxx.mailgun.org>\nTo: "
	    "xxx@gmail.com\nCc: \nSent: Monday, April 2, 2012 5:44 PM\n"
	    "Subject: Test\n\nHi\n", "Hello" },
	{ "corpus mimekit-content-length.mbox-28", "On Thu, 26 Sep 1996 "
	    "18:30:27 -0700\n\"Lewis Geer (Exchange)\" "
	    "<lewisg@Exchange.Microsoft.com> wrote:\n\n>Section 7:\n>New Text:"
	    "\n>\n\nI for one agree with this change.  MICs aside the \"cid:\" "
	    "approach\nis much easier to implement.\n",
	    "I for one agree with this change.  MICs aside the \"cid:\" "
	    "approach\nis much easier to implement." },
	{ "corpus flanker-from-encoding", "Marc Slemko wrote:\n> If you have "
	    "a real uid of root\n> takes another couple.\n\nIsn't that the "
	    "case?\n\n---/dev/il\n", "Isn't that the case?\n\n---/dev/il" },
	{ "corpus flanker-mailgun-pic", "Мейлган! Хахах!\n\n-- \nRegards,\n"
	    "Alex\n", "Мейлган! Хахах!" },
	{ "corpus m0013 message d'origine", "\n\nM. DUPONT Paul\n\n\n"
	    "-----Message d'origine-----\nDe : Retour BL [mailto:r@c.com] \n"
	    "Envoyé : vendredi 14 mars 2014 10:19\nÀ : Name\nObjet : TR: x\n"
	    "\nPièce jointe\n", "M. DUPONT Paul" },
	{ "corpus spamscope-mail_test_7 (Italian Outlook)", "Ciao sere mi "
	    "puoi dire?\n \nGERONAZZO\n_____________\nNota\n \nDa: "
	    "export@agade.info [mailto:c@gmail.com] \nInviato: venerdì 9 "
	    "giugno 2017 15:50\nA: geronazzo <g@v.it>\nOggetto: Ordine\n \n"
	    "Buongiorno\n", "Ciao sere mi puoi dire?\n\nGERONAZZO\n"
	    "_____________\nNota" },
};

static void
test_cases(void)
{
	size_t i;
	char *got;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		got = quotes_strip(cases[i].in);
		is_str(got, cases[i].want, cases[i].name);
		g_free(got);
	}
}

/* Nothing may crash the worker: NULL, invalid UTF-8, huge and odd text. */
static void
test_robust(void)
{
	GString *big;
	char *got;
	int i;

	got = quotes_strip(NULL);
	is_str(got, "", "NULL gives empty");
	g_free(got);
	got = quotes_strip("ok \xff\xfe bytes\n> q\n");
	ok(got != NULL && strncmp(got, "ok ", 3) == 0, "invalid UTF-8");
	g_free(got);
	big = g_string_new(NULL);
	for (i = 0; i < 200000; i++)
		g_string_append(big, i % 7 ? "line of text wrote:\n" : "> q\n");
	g_string_append(big, "On ");
	for (i = 0; i < 100000; i++)
		g_string_append_c(big, 'x');
	got = quotes_strip(big->str);
	ok(got != NULL && strlen(got) > 0, "huge text");
	g_free(got);
	g_string_free(big, TRUE);
	got = quotes_strip(">\n>\n-- \n--\n\r\n");
	is_str(got, "", "only markers");
	g_free(got);
}

int
main(void)
{
	test_cases();
	test_robust();
	return tap_done();
}
