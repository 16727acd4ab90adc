/* unit_onetask.c: task lists versus steps, symptoms and details.
 * tests/onetask_measure.py measures the same function on whole requests. */
#include <string.h>

#include <glib.h>

#include "onetask.h"
#include "tap.h"

static const struct {
	const char	*name;
	const char	*in;
	guint		 want;	/* tasks found; 0 for NULL */
} cases[] = {
	{ "ru wishes numbered", "Добрый день!\n\n1. Добавить выгрузку в PDF.\n"
	    "2. Исправить дату в счёте.\n3. Можно ли сменить логотип?\n", 3 },
	{ "en bullets", "Hi,\n- please add dark mode\n- can you fix the export?"
	    "\n", 2 },
	{ "wish intro, bare items", "Хотелось бы:\n- тёмная тема\n"
	    "- экспорт в Excel\n- уведомления в Telegram\n", 3 },
	{ "lettered", "a) Add CSV export\nb) Fix the invoice date\n", 2 },
	{ "cyrillic lettered", "а) добавить поле ИНН\nб) убрать лишнюю кнопку\n",
	    2 },
	{ "wrapped item joined", "1. Please add an export of all invoices of "
	    "the last\n   year to PDF.\n2. Please fix the date.\n", 2 },
	{ "steps intro en", "Steps to reproduce:\n1. Please open the page\n"
	    "2. Why is it blank?\n", 0 },
	{ "steps intro ru", "Шаги:\n1. Нужно зайти в кабинет\n"
	    "2. Почему ошибка?\n", 0 },
	{ "action verbs", "1. Open Settings\n2. Click Save\n"
	    "3. Can you see the error?\n", 0 },
	{ "ru action verbs", "1. Захожу в кабинет\n2. Нажимаю «Оплатить»\n"
	    "3. Почему ничего не происходит?\n", 0 },
	{ "arrows", "- Settings -> Users -> add\n- Menu → Reports → please "
	    "export\n", 0 },
	{ "expected after", "1. Please add an item\n2. Please remove it\n\n"
	    "Expected: the cart is empty\n", 0 },
	{ "ru expected after", "1. Добавить товар\n2. Удалить товар\n"
	    "Ожидаемый результат: корзина пуста\n", 0 },
	{ "symptoms", "После обновления:\n- страница белая\n"
	    "- в логе ошибка 500\n- письма не уходят\n", 0 },
	{ "details", "How do I change the logo? Details:\n- version 2.3\n"
	    "- Windows 10\n- Chrome\n", 0 },
	{ "signature bullets", "Спасибо.\n\nИван Петров\n• Тел.: +7 900 000-00-00"
	    "\n• Support: support@example.com\n", 0 },
	{ "single item", "1. Please add export\n", 0 },
	{ "one request of two", "- please add export\n- version 2.3\n", 0 },
	{ "nested details stay with parent", "1. Add export:\n   - PDF\n"
	    "   - CSV\n2. Fix the invoice date\n", 2 },
	{ "two lists", "- добавить экспорт\n- исправить дату\n\n\nИ ещё:\n"
	    "1. Почему не приходят письма?\n2. Можно ли добавить поле?\n", 4 },
	{ "plain prose", "Please add export. Also fix the date.\n", 0 },
	{ "empty", "", 0 },
	{ "NULL", NULL, 0 },
};

static void
test_texts(void)
{
	GPtrArray *t;

	t = onetask_find("Hello\n\n1. Please add export\n   to PDF\n"
	    "2) Почему не работает поиск?\n");
	ok(t != NULL && t->len == 2, "two tasks");
	if (t != NULL && t->len == 2) {
		is_str(g_ptr_array_index(t, 0), "Please add export to PDF",
		    "marker removed, wrap joined");
		is_str(g_ptr_array_index(t, 1), "Почему не работает поиск?",
		    "cyrillic item");
	}
	if (t != NULL)
		g_ptr_array_unref(t);
}

static void
test_robust(void)
{
	GString *big;
	GPtrArray *t;
	int i;

	big = g_string_new(NULL);
	for (i = 0; i < 100000; i++)
		g_string_append_printf(big, "%d. please fix %d\n", i % 99 + 1,
		    i);
	t = onetask_find(big->str);
	ok(t != NULL && t->len == 100000, "huge list");
	if (t != NULL)
		g_ptr_array_unref(t);
	g_string_free(big, TRUE);
	t = onetask_find("- \xff please add\n- \xfe please fix\n");
	ok(t != NULL && t->len == 2, "invalid UTF-8");
	if (t != NULL)
		g_ptr_array_unref(t);
	t = onetask_find("-\n- \n1.\n2)\n*\n\r\n");
	ok(t == NULL, "bare markers");
}

int
main(void)
{
	GPtrArray *t;
	guint got;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		t = onetask_find(cases[i].in);
		got = t != NULL ? t->len : 0;
		ok(got == cases[i].want, "%s: %u tasks (got %u)", cases[i].name,
		    cases[i].want, got);
		if (t != NULL)
			g_ptr_array_unref(t);
	}
	test_texts();
	test_robust();
	return tap_done();
}
