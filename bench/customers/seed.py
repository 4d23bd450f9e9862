"""Seed the customer benchmark database with server-side SQL (generate_series, INSERT ... SELECT).

Creates `bench_customer` (migrated with the service's own Alembic migrations) and
`bench_gateway` (gateway migrations + one tenant and API key; `BENCH_DB_PREFIX` replaces
`bench`), then loads one big tenant
(1,000,000 customers by default) plus two tenants of 100,000 each. Every column the service
derives is computed the way the service computes it (search_doc, sort_name, phones/emails JSON
and the contact lookup tables, avatar colour, VIP flag, lifecycle stage, stats counters);
`check()` re-derives them in Python from the domain code for a sample and fails on any mismatch.

    python bench/customers/seed.py [--customers 1000000] [--others 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
SERVER = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
# BENCH_DB_PREFIX=x seeds x_customer / x_gateway: a dataset of one's own on a shared server.
DB_PREFIX = os.environ.get("BENCH_DB_PREFIX", "bench")
CUSTOMER_DB = f"{DB_PREFIX}_customer"
GATEWAY_DB = f"{DB_PREFIX}_gateway"
STATE = Path(__file__).resolve().parent / ".state.json"

FIRST = (
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara "
    "Richard Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy "
    "Matthew Betty Anthony Sandra Mark Margaret Donald Ashley Steven Kimberly Andrew Emily Paul "
    "Donna Joshua Michelle Kenneth Carol Kevin Amanda Brian Melissa George Deborah Timothy "
    "Stephanie Ronald Rebecca Jason Laura Edward Sharon Jeffrey Cynthia Ryan Kathleen Jacob Amy "
    "Gary Angela Nicholas Shirley Eric Anna Jonathan Brenda Stephen Pamela Larry Emma Justin "
    "Nicole Scott Helen Brandon Samantha Benjamin Katherine Samuel Christine Gregory Debra "
    "Alexander Rachel Patrick Carolyn Frank Janet Raymond Maria Jack Olivia Dennis Heather "
    "Jerry Diane Tyler Julie Aaron Joyce Jose Victoria Adam Ruth Nathan Virginia Henry Lauren "
    "Zachary Kelly Douglas Christina Peter Joan Kyle Evelyn Noah Judith Ethan Andrea Jeremy "
    "Hannah Walter Megan Christian Cheryl Keith Jacqueline Roger Martha Terry Madison Austin "
    "Teresa Sean Gloria Gerald Sara Carl Janice Harold Ann Dylan Kathryn Arthur Abigail Lawrence "
    "Sophia Jordan Frances Jesse Jean Bryan Alice Billy Judy Bruce Isabella Gabriel Julia Joe "
    "Grace Logan Amber Alan Denise Juan Danielle Albert Marilyn Willie Beverly Elijah Charlotte "
    "Wayne Natalie Randy Theresa Vincent Diana Mason Brittany Roy Doris Ralph Kayla Bobby Alexis "
    "Russell Lori Bradley Marie Philip Lucas Hugo Lea Mateus Joao Ana Camila Lukas Leonie Jonas "
    "Mia Louis Chloe Jules Manon Oliver Amelia Harry Isla Jack Freya"
).split()
LAST = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
    "Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill "
    "Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips "
    "Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook "
    "Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward "
    "Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez "
    "Castillo Sanders Patel Myers Long Ross Foster Jimenez Powell Jenkins Perry Russell Sullivan "
    "Bell Coleman Butler Henderson Barnes Gonzales Fisher Vasquez Simmons Romero Jordan Patterson "
    "Alexander Hamilton Graham Reynolds Griffin Wallace Moreno West Cole Hayes Bryant Herrera "
    "Gibson Ellis Tran Medina Aguilar Stevens Murray Ford Castro Marshall Owens Harrison "
    "Fernandez McDonald Woods Washington Kennedy Wells Vargas Henry Chen Freeman Webb Tucker "
    "Guzman Burns Crawford Olson Simpson Porter Hunter Gordon Mendez Silva Shaw Snyder Mason "
    "Dixon Munoz Hunt Hicks Holmes Palmer Wagner Black Robertson Boyd Rose Stone Salazar Fox "
    "Warren Mills Meyer Rice Schmidt Garza Daniels Ferguson Nichols Stephens Soto Weaver Ryan "
    "Gardner Payne Grant Dunn Kelley Spencer Hawkins Arnold Pierce Hansen Peters Santos Hart "
    "Bradley Knight Elliott Cunningham Duncan Armstrong Hudson Carroll Lane Riley Andrews Ray "
    "Berry Perkins Hoffman Johnston Matthews Pena Richards Willis Carpenter Lawrence Sandoval "
    "Oliveira Souza Costa Pereira Muller Schneider Fischer Weber Becker Dubois Moreau Laurent "
    "Lefebvre Bernard Petit Durand"
).split()
COMPANY_A = (
    "Acme Blue Bright Golden Green Happy Urban Silver Sunny North Coastal Prime Royal Swift "
    "Maple Cedar Harbor Summit Pioneer Liberty Lotus Velvet Copper Crystal Evergreen"
).split()
COMPANY_B = (
    "Salon Clinic Bistro Plumbing Dental Spa Bakery Fitness Studio Hotel Garage Cafe Barbers "
    "Electric Florist Realty Pharmacy Yoga Vet Tailors"
).split()
DOMAINS = (
    "gmail.com yahoo.com outlook.com hotmail.com icloud.com proton.me web.de orange.fr".split()
)
TAGS = (
    "regular",
    "allergy",
    "newsletter",
    "referral",
    "birthday-club",
    "wholesale",
    "color",
    "late-canceller",
)
FOLDERS = ("New Leads", "Follow Up", "Wholesale", "Downtown", "Online")
CHANNELS = ("phone", "sms", "whatsapp", "email", "webchat")
US_AREAS = "415 212 312 646 617 206 303 512 305 404 702 213 718 469 214 602".split()
BR_AREAS = "11 21 31 41 51 61 71 81".split()


def arr(values: tuple[str, ...] | list[str]) -> str:
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]::text[]"


def pick(values, r: str) -> str:  # type: ignore[no-untyped-def]
    """SQL expression: one of `values`, uniformly by the random column `r`."""
    return f"({arr(values)})[1 + floor({r} * {len(values)})::int]"


# mod 10 of a UUID's 128-bit integer: 16^k ≡ 6 (mod 10) for k ≥ 1, so it is
# (6 * sum of the first 31 hex digits + the last one) mod 10 — the service's avatar_color_for.
AVATAR_SQL = """
CREATE OR REPLACE FUNCTION pg_temp.avatar(id uuid) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT (ARRAY['#E57373','#F06292','#BA68C8','#9575CD','#7986CB','#64B5F6',
                '#4DB6AC','#81C784','#FFB74D','#A1887F'])[1 + (
    6 * (SELECT sum(('x0' || substr(h, i, 1))::bit(8)::int) FROM generate_series(1, 31) i)
    + ('x0' || substr(h, 32, 1))::bit(8)::int) % 10]
  FROM (SELECT replace(id::text, '-', '') AS h) s
$$
"""


def seed_sql(tenant: uuid.UUID, n: int, now: datetime) -> str:
    """One INSERT ... SELECT for `n` customers of `tenant`, facts as of `now`."""
    t_now = f"'{now.isoformat()}'::timestamptz"
    return f"""
WITH r AS (
  SELECT g, gen_random_uuid() AS id,
         random() r_first, random() r_last, random() r_company, random() r_co2,
         random() r_country, random() r_ph1, random() r_ph2, random() r_ph3, random() r_ph4,
         random() r_has_phone, random() r_has_email, random() r_domain, random() r_work,
         random() r_created, random() r_engaged, random() r_inter, random() r_buy, random() r_np,
         random() r_aov1, random() r_aov2, random() r_recent, random() r_sent, random() r_score,
         random() r_trend, random() r_chan, random() r_pref, random() r_folder, random() r_vip,
         random() r_qual, random() r_fail, random() r_worker, random() r_book,
         random() t1, random() t2, random() t3, random() t4, random() t5, random() t6,
         random() t7, random() t8
  FROM generate_series(1, {n}) g
), a AS (
  SELECT r.*,
    {pick(FIRST, "r_first")} AS first_name,
    CASE WHEN r_last < 0.97 THEN {pick(LAST, "r_last / 0.97")} ELSE '' END AS last_name,
    CASE WHEN r_company < 0.35
         THEN {pick(COMPANY_A, "r_company / 0.35")} || ' ' || {pick(COMPANY_B, "r_co2")}
         ELSE '' END AS company,
    CASE WHEN r_country < 0.60 THEN 'US' WHEN r_country < 0.75 THEN 'GB'
         WHEN r_country < 0.85 THEN 'DE' WHEN r_country < 0.95 THEN 'BR' ELSE 'FR' END AS country,
    {t_now} - make_interval(secs => r_created * 3 * 365 * 86400) AS created_at,
    r_engaged >= 0.06 AS engaged
  FROM r
), p AS (
  SELECT a.*,
    CASE country
      WHEN 'US' THEN {pick(US_AREAS, "r_ph1")}
        || CASE WHEN r_ph2 < 0.1 THEN '55501' || lpad(floor(r_ph3 * 100)::text, 2, '0')
                ELSE (200 + floor(r_ph2 * 800))::text || lpad(floor(r_ph3 * 10000)::text, 4, '0')
           END
      WHEN 'GB' THEN '79' || {pick(list("02456789"), "r_ph1")}
        || lpad(floor(r_ph3 * 10000000)::text, 7, '0')
      WHEN 'DE' THEN '15' || (1 + floor(r_ph1 * 2))::text
        || lpad(floor(r_ph3 * 100000000)::text, 8, '0')
      WHEN 'BR' THEN {pick(BR_AREAS, "r_ph1")} || '9' || (1 + floor(r_ph2 * 9))::text
        || lpad(floor(r_ph3 * 10000000)::text, 7, '0')
      ELSE '6' || {pick(list("01245678"), "r_ph1")}
        || lpad(floor(r_ph3 * 10000000)::text, 7, '0')
    END AS national,
    CASE country WHEN 'US' THEN '1' WHEN 'GB' THEN '44' WHEN 'DE' THEN '49'
                 WHEN 'BR' THEN '55' ELSE '33' END AS cc,
    -- trunk prefix 0 in the national format (GB, DE, FR); none for US and BR
    country IN ('GB', 'DE', 'FR') AS trunk0,
    CASE WHEN r_has_email < 0.85 THEN
      lower(regexp_replace(first_name || CASE WHEN last_name <> '' THEN '.' || last_name ELSE ''
            END, '[^A-Za-z.]', '', 'g')) || g::text || '@' || {pick(DOMAINS, "r_domain")}
    END AS email1,
    CASE WHEN company <> '' AND r_work < 0.3 THEN
      lower(first_name) || '@' || lower(replace(company, ' ', '')) || '.com'
    END AS email2,
    CASE WHEN engaged THEN 1 + floor(-ln(1 - r_inter) * 6)::int ELSE 0 END AS interactions,
    CASE WHEN engaged AND r_buy >= 0.45 THEN 1 + floor(-ln(1 - r_np) * 3)::int ELSE 0
      END AS purchases
  FROM a
), v AS (
  SELECT p.*,
    r_has_phone < 0.92 AS has_phone,
    '+' || cc || national AS e164,
    -- average order value: log-normal around $45
    CASE WHEN purchases > 0 THEN
      greatest(500, round(exp(8.4 + 0.8 * sqrt(-2 * ln(1 - r_aov1)) * cos(2 * pi() * r_aov2))))
    ELSE 0 END::bigint AS aov,
    CASE WHEN engaged
      THEN greatest(created_at, {t_now} - make_interval(secs => r_recent * 2 * 365 * 86400))
      ELSE created_at END AS last_activity_at,
    r_vip < 0.005 AS vip_manual,
    NOT engaged AND r_qual < 0.3 OR engaged AND purchases = 0 AND r_qual < 0.2 AS qualified,
    CASE WHEN NOT engaged THEN ''
         WHEN r_sent < 0.45 THEN 'happy' WHEN r_sent < 0.78 THEN 'neutral'
         WHEN r_sent < 0.92 THEN 'frustrated' ELSE '' END AS sentiment_label,
    {pick(CHANNELS, "r_chan")} AS channel
  FROM p
), w AS (
  SELECT v.*,
    aov * purchases AS ltv,
    engaged AND purchases > 0 AND r_fail < 0.02 AS payment_failed,
    CASE WHEN has_phone THEN concat_ws(' ', cc || national, national,
                                       CASE WHEN trunk0 THEN '0' || national END) END AS phone_keys
  FROM v
)
INSERT INTO customers (
  id, tenant_id, first_name, last_name, company, lifecycle_stage, search_doc, version,
  created_at, updated_at, sort_name, phones, emails, addresses, preferred_channel,
  preferred_contact_time, language, timezone, tags, folder, custom_fields, workers, call_status,
  is_vip, vip_manual, consents, avatar_color, qualified, ltv_minor, currency, bookings_count,
  purchases_count, aov_minor, interactions_count, channel_counts, most_common_channel,
  last_contact_at, last_purchase_at, last_activity_at, sentiment_label, sentiment_score,
  sentiment_emotions, sentiment_trend, stage_changed_at, payment_failed_at, payment_succeeded_at,
  value_as_of
)
SELECT
  id, '{tenant}'::uuid, first_name, last_name, company,
  CASE
    WHEN engaged AND last_activity_at <= {t_now} - interval '4320 hours' THEN 'churned'
    WHEN engaged AND last_activity_at <= {t_now} - interval '2160 hours' THEN 'at_risk'
    WHEN payment_failed THEN 'at_risk'
    WHEN vip_manual OR ltv > 100000 THEN 'vip'
    WHEN purchases >= 3 THEN 'repeat'
    WHEN purchases >= 1 THEN 'customer'
    WHEN qualified THEN 'lead'
    ELSE 'prospect' END,
  lower(concat_ws(' ', first_name, nullif(last_name, ''), nullif(company, ''), email1, email2,
                  phone_keys)),
  1 + floor(t8 * 3)::int,
  created_at, last_activity_at,
  lower(trim(first_name || ' ' || last_name)),
  CASE WHEN has_phone THEN jsonb_build_array(jsonb_build_object('number', e164, 'primary', true))
       ELSE '[]'::jsonb END,
  CASE WHEN email1 IS NULL AND email2 IS NULL THEN '[]'::jsonb
       WHEN email2 IS NULL THEN jsonb_build_array(jsonb_build_object('address', email1,
                                                                    'primary', true))
       WHEN email1 IS NULL THEN jsonb_build_array(jsonb_build_object('address', email2,
                                                                    'primary', true))
       ELSE jsonb_build_array(jsonb_build_object('address', email1, 'primary', true),
                              jsonb_build_object('address', email2, 'primary', false)) END,
  '[]'::jsonb,
  CASE WHEN r_pref < 0.25 THEN {pick(CHANNELS, "r_pref / 0.25")} ELSE '' END,
  '', '', '',
  array_remove(ARRAY[
    CASE WHEN t1 < 0.25 THEN 'regular' END, CASE WHEN t2 < 0.05 THEN 'allergy' END,
    CASE WHEN t3 < 0.30 THEN 'newsletter' END, CASE WHEN t4 < 0.08 THEN 'referral' END,
    CASE WHEN t5 < 0.10 THEN 'birthday-club' END, CASE WHEN t6 < 0.03 THEN 'wholesale' END,
    CASE WHEN t7 < 0.12 THEN 'color' END, CASE WHEN t8 < 0.04 THEN 'late-canceller' END
  ], NULL),
  CASE WHEN r_folder < 0.3 THEN {pick(FOLDERS, "r_folder / 0.3")} ELSE '' END,
  '{{}}'::jsonb,
  CASE WHEN r_worker < 0.3 THEN ARRAY['staff-' || (1 + floor(r_worker * 40))::text]
       ELSE '{{}}'::text[] END,
  '',
  vip_manual OR ltv > 100000, vip_manual, '{{}}'::jsonb, pg_temp.avatar(id), qualified,
  ltv, CASE WHEN purchases > 0 THEN 'USD' ELSE '' END,
  CASE WHEN purchases > 0 THEN purchases + floor(r_book * 2)::int ELSE 0 END,
  purchases, aov, interactions,
  CASE WHEN interactions > 0 THEN jsonb_build_object(channel, interactions) ELSE '{{}}'::jsonb END,
  CASE WHEN interactions > 0 THEN channel ELSE '' END,
  CASE WHEN engaged THEN last_activity_at END,
  CASE WHEN purchases > 0 THEN last_activity_at - make_interval(secs => r_book * 86400 * 20)
    END,
  last_activity_at,
  sentiment_label,
  CASE sentiment_label WHEN 'happy' THEN 0.4 + 0.6 * r_score
       WHEN 'frustrated' THEN -0.4 - 0.6 * r_score WHEN 'neutral' THEN 0.4 * r_score - 0.2
       ELSE 0 END,
  CASE WHEN sentiment_label = '' THEN '{{}}'::jsonb ELSE jsonb_build_object(
    'frustration', round((CASE WHEN sentiment_label = 'frustrated' THEN 0.6 ELSE 0.05 END
                          + 0.3 * r_score)::numeric, 3)::float8,
    'satisfaction', round((CASE WHEN sentiment_label = 'happy' THEN 0.6 ELSE 0.1 END
                           + 0.3 * r_score)::numeric, 3)::float8,
    'confusion', round((0.2 * r_trend)::numeric, 3)::float8,
    'urgency', round((0.2 * r_chan)::numeric, 3)::float8) END,
  CASE WHEN sentiment_label = '' THEN '' WHEN r_trend < 0.2 THEN 'improving'
       WHEN r_trend < 0.85 THEN 'stable' ELSE 'declining' END,
  last_activity_at,
  CASE WHEN payment_failed THEN last_activity_at END,
  NULL,
  CASE WHEN purchases > 0 THEN last_activity_at END
FROM w
"""


CONTACTS_SQL = """
INSERT INTO customer_phones (customer_id, position, tenant_id, e164, is_primary)
SELECT c.id, (x.i - 1)::smallint, c.tenant_id, x.p->>'number', (x.p->>'primary')::boolean
FROM customers c, jsonb_array_elements(c.phones) WITH ORDINALITY x(p, i)
WHERE c.tenant_id = $1;
INSERT INTO customer_emails (customer_id, position, tenant_id, address, is_primary)
SELECT c.id, (x.i - 1)::smallint, c.tenant_id, x.e->>'address', (x.e->>'primary')::boolean
FROM customers c, jsonb_array_elements(c.emails) WITH ORDINALITY x(e, i)
WHERE c.tenant_id = $1;
"""

STATS_SQL = """
INSERT INTO customer_stats (tenant_id, total, vip, happy, problem, total_ltv_minor)
SELECT tenant_id, count(*), count(*) FILTER (WHERE is_vip),
       count(*) FILTER (WHERE sentiment_label = 'happy'),
       count(*) FILTER (WHERE sentiment_label = 'frustrated'), coalesce(sum(ltv_minor), 0)
FROM customers GROUP BY tenant_id
ON CONFLICT (tenant_id, shard) DO UPDATE SET total = excluded.total, vip = excluded.vip,
  happy = excluded.happy, problem = excluded.problem, total_ltv_minor = excluded.total_ltv_minor
"""


def run(*args: str, env: dict[str, str]) -> None:
    subprocess.run(args, check=True, env={**os.environ, **env}, cwd=ROOT)


async def recreate_databases() -> None:
    conn = await asyncpg.connect(f"{SERVER}/postgres")
    try:
        for db in (CUSTOMER_DB, GATEWAY_DB):
            await conn.execute(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
            await conn.execute(f"CREATE DATABASE {db}")
    finally:
        await conn.close()


async def create_tenants(count: int) -> list[tuple[str, str]]:
    sys.path.insert(0, str(ROOT / "gateway" / "src"))
    from gateway.auth import create_tenant
    from moodline_kit.db import create_engine

    engine = create_engine(f"{SERVER.replace('postgresql', 'postgresql+asyncpg')}/{GATEWAY_DB}")
    try:
        out = []
        for i in range(count):
            tenant_id, key = await create_tenant(engine, name=f"bench-{i}", default_country="US")
            out.append((str(tenant_id), key))
        return out
    finally:
        await engine.dispose()


async def load(tenants: list[tuple[str, int]], now: datetime) -> None:
    conn = await asyncpg.connect(f"{SERVER}/{CUSTOMER_DB}")
    try:
        await conn.execute("SET maintenance_work_mem = '1GB'; SET synchronous_commit = off")
        await conn.execute(AVATAR_SQL)
        indexes = await conn.fetch(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = 'customers'"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conname = i.indexname)"
        )
        for ix in indexes:
            await conn.execute(f"DROP INDEX {ix['indexname']}")
        await conn.execute("ALTER TABLE customers DISABLE TRIGGER USER")
        for tenant, n in tenants:
            started = time.monotonic()
            await conn.execute(seed_sql(uuid.UUID(tenant), n, now))
            await conn.execute(
                "INSERT INTO tenant_settings (tenant_id, default_country) VALUES ($1, 'US')",
                uuid.UUID(tenant),
            )
            for statement in CONTACTS_SQL.strip().split(";\n"):
                await conn.execute(statement, uuid.UUID(tenant))
            print(f"  {n:>9,} customers of {tenant} in {time.monotonic() - started:.0f} s")
        await conn.execute("ALTER TABLE customers ENABLE TRIGGER USER")
        await conn.execute(STATS_SQL)
        started = time.monotonic()
        for ix in indexes:
            await conn.execute(ix["indexdef"])
        print(f"  {len(indexes)} customer indexes rebuilt in {time.monotonic() - started:.0f} s")
        await conn.execute("VACUUM (ANALYZE) customers")
        await conn.execute("VACUUM (ANALYZE) customer_phones")
        await conn.execute("VACUUM (ANALYZE) customer_emails")
    finally:
        await conn.close()


async def check(sample: int = 5000) -> None:
    """Re-derive the seeded rows with the service's own domain code; any mismatch fails."""
    from customer.adapters.rows import customer_from_row
    from customer.domain import contacts, lifecycle
    from customer.domain.model import avatar_color_for
    from customer.service_layer.lifecycle import facts_of

    conn = await asyncpg.connect(f"{SERVER}/{CUSTOMER_DB}")
    try:
        for codec in ("json", "jsonb"):
            await conn.set_type_codec(
                codec, encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
            )
        rows = await conn.fetch(f"SELECT * FROM customers TABLESAMPLE BERNOULLI (2) LIMIT {sample}")
        bad: list[str] = []
        now = datetime.fromisoformat(json.loads(STATE.read_text())["now"])

        class Row:
            def __init__(self, record):  # type: ignore[no-untyped-def]
                self.__dict__.update(dict(record))

        for record in rows:
            row = Row(record)
            cust = customer_from_row(row)
            checks = {
                "search_doc": (record["search_doc"], cust.search_document),
                "sort_name": (record["sort_name"], cust.sort_name),
                "avatar_color": (record["avatar_color"], avatar_color_for(cust.id)),
                "is_vip": (record["is_vip"], lifecycle.is_vip(facts_of(cust))),
                "stage": (
                    record["lifecycle_stage"],
                    lifecycle.evaluate(facts_of(cust), now).stage.value,
                ),
            }
            for p in cust.phones:
                region = contacts.phonenumbers.region_code_for_number(
                    contacts.phonenumbers.parse(p.number)
                )
                try:
                    normalised = contacts.normalise_phone(p.number, region or "US")
                except contacts.ContactError as exc:
                    normalised = f"invalid: {exc}"
                checks[f"phone {p.number}"] = (p.number, normalised)
            for e in cust.emails:
                checks[f"email {e.address}"] = (e.address, contacts.normalise_email(e.address))
            for name, (stored, derived) in checks.items():
                if stored != derived:
                    bad.append(f"{cust.id} {name}: stored {stored!r} != service {derived!r}")
        stats = await conn.fetch(
            "SELECT s.tenant_id, sum(s.total) total,"
            " (SELECT count(*) FROM customers c WHERE c.tenant_id = s.tenant_id) n"
            " FROM customer_stats s GROUP BY s.tenant_id"
        )
        for s in stats:
            if s["total"] != s["n"]:
                bad.append(f"stats of {s['tenant_id']}: total {s['total']} != {s['n']}")
        contacts_missing = await conn.fetchval(
            "SELECT count(*) FROM customers c WHERE jsonb_array_length(c.phones) <>"
            " (SELECT count(*) FROM customer_phones p WHERE p.customer_id = c.id)"
            " AND c.id IN (SELECT id FROM customers TABLESAMPLE SYSTEM (0.1))"
        )
        if contacts_missing:
            bad.append(f"{contacts_missing} sampled customers' phones not in customer_phones")
        print(f"  checked {len(rows)} sampled rows against the domain code: {len(bad)} mismatches")
        for line in bad[:20]:
            print("   ", line)
        if bad:
            raise SystemExit(1)
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--others", type=int, default=100_000)
    parser.add_argument("--check-only", action="store_true")
    args = parser.parse_args()
    if args.check_only:
        asyncio.run(check())
        return
    started = time.monotonic()
    asyncio.run(recreate_databases())
    customer_url = f"{SERVER.replace('postgresql', 'postgresql+asyncpg')}/{CUSTOMER_DB}"
    gateway_url = f"{SERVER.replace('postgresql', 'postgresql+asyncpg')}/{GATEWAY_DB}"
    run(str(VENV_BIN / "moodline-customer"), "migrate", env={"DATABASE_URL": customer_url})
    run(str(VENV_BIN / "moodline-gateway"), "migrate", env={"DATABASE_URL": gateway_url})
    tenants = asyncio.run(create_tenants(3))
    now = datetime.now(UTC)
    STATE.write_text(
        json.dumps(
            {
                "now": now.isoformat(),
                "tenant_id": tenants[0][0],
                "api_key": tenants[0][1],
                "customers": args.customers,
                "others": args.others,
                "customer_url": customer_url,
                "gateway_url": gateway_url,
            }
        )
    )
    print(f"seeding {args.customers:,} + 2 x {args.others:,} customers")
    sizes = [args.customers, args.others, args.others]
    asyncio.run(load([(t, n) for (t, _), n in zip(tenants, sizes, strict=True)], now))
    asyncio.run(check())
    print(f"seeded in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
