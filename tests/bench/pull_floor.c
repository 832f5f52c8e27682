/*
 * The floor of a pull on this stack: what a sync costs with no work beyond the
 * unavoidable. One curl easy handle (so one keep-alive connection) follows
 * links.next from page[size]=100, jansson parses each page and every trunk is
 * upserted into SQLite in WAL mode with synchronous=FULL, one transaction per
 * page: the durability trunkctl's store promises.
 *
 * usage: pull_floor URL DB [HOST:PORT:ADDR]
 *   URL   the collection, e.g. http://127.0.0.1:8080/carrier/v1/sip_trunks
 *   DB    SQLite file to upsert into (created when missing)
 *   the optional third argument is a curl resolve entry, as --resolve takes.
 * The token comes from TRUNKCTL_API_TOKEN, never from argv.
 * Prints "pages=P trunks=T connections=C ms=M" on stdout.
 */
#include "benchhttp.h"
#include "lib/clock.h"

#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int db_exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "pull_floor: %s: %s\n", sql, err ? err : "?");
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

static int upsert_page(sqlite3 *db, sqlite3_stmt *st, json_t *data, long *count)
{
	if (db_exec(db, "BEGIN IMMEDIATE") != 0)
		return -1;
	size_t i;
	json_t *res;
	json_array_foreach(data, i, res)
	{
		json_t *attrs = json_object_get(res, "attributes");
		const char *id = json_string_value(json_object_get(res, "id"));
		const char *name = json_string_value(json_object_get(attrs, "name"));
		const char *updated = json_string_value(json_object_get(attrs, "updated_at"));
		char *flat = json_dumps(attrs, JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (!id || !name || !flat) {
			free(flat);
			fprintf(stderr, "pull_floor: malformed resource\n");
			return -1;
		}
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, updated, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, flat, -1, free);
		int rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE) {
			fprintf(stderr, "pull_floor: upsert: %s\n", sqlite3_errmsg(db));
			return -1;
		}
		++*count;
	}
	return db_exec(db, "COMMIT");
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fputs("usage: pull_floor URL DB [HOST:PORT:ADDR]\n", stderr);
		return 2;
	}
	struct bench_http http;
	if (bench_http_open(&http, argc > 3 ? argv[3] : NULL) != 0)
		return 2;
	double t0 = tl_now_ms();

	sqlite3 *db;
	if (sqlite3_open(argv[2], &db) != SQLITE_OK) {
		fprintf(stderr, "pull_floor: %s: %s\n", argv[2], sqlite3_errmsg(db));
		return 1;
	}
	sqlite3_busy_timeout(db, 5000);
	if (db_exec(db,
	            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
	            "CREATE TABLE IF NOT EXISTS trunk(id TEXT PRIMARY KEY, name TEXT NOT NULL,"
	            " updated_at TEXT, attrs TEXT NOT NULL);"
	            "CREATE INDEX IF NOT EXISTS trunk_name ON trunk(name COLLATE NOCASE);") != 0)
		return 1;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(
	        db,
	        "INSERT INTO trunk(id, name, updated_at, attrs) VALUES (?1, ?2, ?3, ?4)"
	        " ON CONFLICT(id) DO UPDATE SET name = excluded.name,"
	        " updated_at = excluded.updated_at, attrs = excluded.attrs",
	        -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "pull_floor: %s\n", sqlite3_errmsg(db));
		return 1;
	}

	size_t len = strlen(argv[1]) + sizeof "?page%5Bsize%5D=100";
	char *url = malloc(len);
	snprintf(url, len, "%s?page%%5Bsize%%5D=100", argv[1]);
	long pages = 0, trunks = 0, connects = 0;
	int status = 0;
	while (url) {
		long code = bench_http_send(&http, "GET", url, NULL), nc = 0;
		curl_easy_getinfo(http.h, CURLINFO_NUM_CONNECTS, &nc);
		connects += nc;
		if (code != 200) {
			fprintf(stderr, "pull_floor: %s: HTTP %ld %s\n", url, code, http.error);
			status = 1;
			break;
		}
		json_t *doc = json_loadb(http.body.p, http.body.len, 0, NULL);
		json_t *data = json_object_get(doc, "data");
		if (!json_is_array(data) || upsert_page(db, st, data, &trunks) != 0) {
			fprintf(stderr, "pull_floor: bad page %ld\n", pages);
			json_decref(doc);
			status = 1;
			break;
		}
		pages++;
		const char *next =
		    json_string_value(json_object_get(json_object_get(doc, "links"), "next"));
		free(url);
		url = next ? strdup(next) : NULL;
		json_decref(doc);
	}
	free(url);
	bench_http_close(&http);
	sqlite3_finalize(st);
	sqlite3_close(db);
	printf("pages=%ld trunks=%ld connections=%ld ms=%.1f\n", pages, trunks, connects,
	       tl_now_ms() - t0);
	return status;
}
