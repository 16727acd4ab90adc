/* quotes.h: the new text of a reply (postdesk.conf(5) THREAT MODEL).
 *
 * Mail clients quote the whole history below (or above) a reply; agents'
 * and clients' replies must be stored and relayed without it.  Removes:
 * Gmail/Apple/Thunderbird "On <date>, <name> wrote:" (also wrapped over two
 * lines), Russian "<date>, <name> пишет:" / "написал(а):", Outlook
 * "-----Original Message-----" / "-----Исходное сообщение-----" and the
 * From:/Sent:/To:/Subject: (От:/Отправлено:/Кому:/Тема:) header blocks,
 * "-------- Forwarded message --------" / "Original Message" separators,
 * lines starting with '>', and the signature after a "-- " line. */
#ifndef PD_QUOTES_H
#define PD_QUOTES_H

/* Returns the new text of body (UTF-8, LF), g_malloc'd, trailing blank
 * lines removed.  Never returns NULL; may return "". */
char *quotes_strip(const char *body);

#endif
