"""Engine and sessions. Built by the composition root, never at import."""

from __future__ import annotations

import collections
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Executable, Row, event
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.util import await_only as await_
from sqlalchemy.util import greenlet_spawn


class InvalidDatabaseURL(ValueError):
    """A database setting that is neither a URL SQLAlchemy reads nor a file
    path; its message is one line for operators (no password in it)."""

    def __init__(self, url: str) -> None:
        super().__init__(
            f"cannot read the database URL {_masked(url)!r}: give a file path for SQLite "
            "(e.g. var/ehrenamt.db) or a URL such as postgresql://user@host/dbname"
        )


# "postgresql:", "sqlite+aiosqlite:": a URL; anything else is a file path.
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def _masked(url: str) -> str:
    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)


def normalise_url(url: str) -> str:
    """Accept plain ``postgresql://`` and ``sqlite:///`` URLs and pick the
    async driver; a plain file path (``/tmp/x.db``, ``var/x.db``) is a
    SQLite file. ``InvalidDatabaseURL`` for what is neither."""
    url = url.strip()
    if url and not _SCHEME.match(url):
        return "sqlite+aiosqlite:///" + str(Path(url).expanduser().resolve())
    try:
        u = make_url(url)
    except (ArgumentError, ValueError) as exc:
        raise InvalidDatabaseURL(url) from exc
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+asyncpg")
    elif u.drivername == "sqlite":
        u = u.set(drivername="sqlite+aiosqlite")
    return u.render_as_string(hide_password=False)


def is_sqlite(url: str) -> bool:
    return make_url(normalise_url(url)).get_backend_name() == "sqlite"


def create_engine(
    url: str, echo: bool = False, *, connect_args: Mapping[str, Any] | None = None
) -> AsyncEngine:
    """The application's engine; ``connect_args`` are added to the driver's
    (e.g. a PostgreSQL ``search_path`` for a bench or test schema)."""
    url = normalise_url(url)
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(
            url,
            echo=echo,
            connect_args={"timeout": 30, **(connect_args or {})},
            module=_one_hop_aiosqlite(),
            hide_parameters=True,  # errors and logs never carry personal data
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_async_engine(
        url,
        echo=echo,
        connect_args=dict(connect_args or {}),
        pool_size=10,
        max_overflow=10,
        hide_parameters=True,  # errors and logs never carry personal data
    )
    event.listen(engine.sync_engine, "checkout", _drop_closed_connection)
    return engine


def _drop_closed_connection(dbapi_connection, _record, _proxy) -> None:  # type: ignore[no-untyped-def]
    """Instead of ``pool_pre_ping``: a connection the server closed (a
    restart, a failover, an idle timeout) is replaced before use. asyncpg
    marks a connection closed as soon as the event loop sees the server's
    goodbye, so this costs no round trip; ``pool_pre_ping`` costs three
    (BEGIN, ping, ROLLBACK) on every checkout, more than the statement
    itself. A connection that dies between checks fails its statement, which
    ``is_unavailable`` recognises (the turn is handed in again later), and the
    pool is refreshed."""
    driver = getattr(dbapi_connection, "_connection", None)
    is_closed = getattr(driver, "is_closed", None)
    if is_closed is not None and is_closed():
        raise DisconnectionError()


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # WAL lets readers run beside the one writer; busy_timeout makes a second
    # writer wait instead of failing with "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Erased rows are overwritten, not left readable in free pages of the file.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()
    # SQLite's own lower() folds ASCII only: free-text search (ILIKE is
    # lower() LIKE lower()) would miss "Über" for "über".
    dbapi_connection.create_function("lower", 1, _lower, deterministic=True)


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


# aiosqlite runs each call on the connection's own thread, and every call is a
# round trip between threads (a queue put, a wake-up, a callback back into the
# loop). SQLAlchemy's adapter makes four per statement (open the cursor,
# execute, fetch, close) and one more for the rollback when a connection goes
# back to the pool, even after a read that opened no transaction. These
# classes do one per statement, and none for a commit or rollback when no
# transaction is open: same driver, same thread, same results.


class _OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """Execute, fetch every row and close the cursor in one call on the
    connection's thread; description, rowcount and lastrowid are kept."""

    __slots__ = ("_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = {}
        self._rows = collections.deque()
        self._description = None
        self._rowcount = -1
        self._lastrowid = 0

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        conn = self._connection._conn
        commit = self._adapt_connection._commit_each

        def run() -> tuple[Any, list[Any] | None, int, int]:
            cursor = conn.cursor()
            try:
                if parameters is None:
                    cursor.execute(operation)
                else:
                    cursor.execute(operation, parameters)
                rows = cursor.fetchall() if cursor.description else None
                if commit and conn.in_transaction:
                    conn.commit()
                return cursor.description, rows, cursor.rowcount, cursor.lastrowid or 0
            except BaseException:
                if commit and conn.in_transaction:
                    conn.rollback()
                raise
            finally:
                cursor.close()

        async with self._adapt_connection._execute_mutex:
            result = await self._connection._execute(run)
        self._description, rows, self._rowcount, self._lastrowid = result
        self._rows = collections.deque(rows) if rows else collections.deque()
        return None

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        conn = self._connection._conn

        commit = self._adapt_connection._commit_each

        def run() -> tuple[int, int]:
            cursor = conn.cursor()
            try:
                cursor.executemany(operation, seq_of_parameters)
                if commit and conn.in_transaction:
                    conn.commit()
                return cursor.rowcount, cursor.lastrowid or 0
            except BaseException:
                if commit and conn.in_transaction:
                    conn.rollback()
                raise
            finally:
                cursor.close()

        async with self._adapt_connection._execute_mutex:
            self._rowcount, self._lastrowid = await self._connection._execute(run)
        self._description = None
        return None

    async def _async_soft_close(self) -> None:
        return None  # the sqlite3 cursor is closed already

    def close(self) -> None:
        self._rows.clear()

    def nextset(self) -> None:
        return None

    def setinputsizes(self, *inputsizes: Any) -> None:
        return None

    @property
    def arraysize(self) -> int:
        return 1

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        pass


class _OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ("_commit_each",)
    _cursor_cls = _OneHopCursor

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        # Set by ``Database.write_one``: each statement commits in its own
        # trip to the thread (no separate COMMIT call).
        self._commit_each = False

    def _in_transaction(self) -> bool:
        # A flag of the sqlite3 connection, read while no call of ours runs on
        # its thread (calls are awaited one at a time); when in doubt, True.
        try:
            return bool(self._connection._conn.in_transaction)
        except Exception:
            return True

    def rollback(self) -> None:
        if self._in_transaction():
            super().rollback()

    def commit(self) -> None:
        if self._in_transaction():
            super().commit()


class _OneHopDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> _OneHopConnection:
        adapted = super().connect(*arg, **kw)
        return _OneHopConnection(self, adapted._connection)


def _one_hop_aiosqlite() -> _OneHopDBAPI:
    import sqlite3

    import aiosqlite

    return _OneHopDBAPI(aiosqlite, sqlite3)


class Database:
    """The engine plus a session factory; services take this and ids."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session in one transaction: committed on success, rolled back on error."""
        async with self.sessions() as session, session.begin():
            yield session

    # Reads and single-statement writes that take a pooled connection, run
    # one statement and give the connection back, in one greenlet: the
    # asyncio layer spends three greenlet switches and a task on connecting
    # and closing alone. The driver calls still run on aiosqlite's thread
    # (asyncpg on PostgreSQL); only SQLAlchemy's Python side is shorter.
    #
    # Shorter still: each statement is compiled once (``_Plan``) and then
    # handed to the driver directly with its bind and result processors, as
    # SQLAlchemy would, without building an execution context and a result
    # object per call (about half of a statement's CPU time). Statements the
    # plan cannot carry (Python-side defaults, RETURNING) take SQLAlchemy's
    # own path; so does a read that failed on the short one, which gives the
    # error its usual form (and a second chance after a reconnect).

    async def rows(
        self, statement: Executable, params: Mapping[str, Any] | None = None
    ) -> list[Row[Any]]:
        """The rows of one statement, outside any transaction."""
        plan = self._plan(statement, params, read=True)
        if plan is not None:
            try:
                if plan.processors is not None:
                    sql, args = plan.bound(params)
                    fairy = self._idle_connection()
                    if fairy is not None:
                        return plan.rows(await self._direct(fairy, sql, args, read=True))
                return await greenlet_spawn(self._plan_rows, plan, params)
            except Exception:
                pass  # SQLAlchemy's path says what went wrong, or succeeds
        return await greenlet_spawn(self._rows, statement, params)

    def _rows(self, statement: Executable, params: Mapping[str, Any] | None) -> list[Row[Any]]:
        with self.engine.sync_engine.connect() as conn:
            if not self.is_sqlite:
                # One statement sees one snapshot by itself: no BEGIN before
                # it and no ROLLBACK when the connection goes back (two round
                # trips of three).
                conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            return list(conn.execute(statement, params).all())

    async def write_one(self, statement: Executable, params: Mapping[str, Any]) -> int:
        """One statement that is atomic by itself (e.g. a versioned UPDATE),
        committed in its own round trip: on SQLite the driver commits on
        aiosqlite's thread in the statement's own call, on PostgreSQL it runs
        in AUTOCOMMIT (no BEGIN, no COMMIT). Returns the rows it changed."""
        plan = self._plan(statement, params, read=False)
        if plan is not None:
            sql, args = plan.bound(params)
            fairy = self._idle_connection()
            if fairy is not None:
                return int(await self._direct(fairy, sql, args, read=False))
            return await greenlet_spawn(self._plan_write, plan, params)
        return await greenlet_spawn(self._write_one, statement, params)

    # -- without a greenlet ------------------------------------------------------
    #
    # With a connection idle in the pool, a compiled statement needs no
    # greenlet at all: the pool hands the connection out and takes it back
    # without I/O (nothing to open or close; no transaction to roll back), and the
    # driver call is awaited here directly. That is a third to two fifths of a
    # statement's CPU time (PostgreSQL: 75 -> 41 us for the state load).
    # Opening a connection, and every failure, go through a greenlet as before.

    def _idle_connection(self) -> Any:
        """A pooled connection when one is idle and usable without I/O, else None."""
        pool = self.engine.sync_engine.pool
        checkedin = getattr(pool, "checkedin", None)
        if checkedin is None or not checkedin():
            return None
        try:
            return pool.connect()
        except Exception:  # it had to open or close one (MissingGreenlet): the usual way
            return None

    async def _direct(self, fairy: Any, sql: str, args: tuple[Any, ...], *, read: bool) -> Any:
        """Run one statement on ``fairy`` and give it back: the fetched rows
        (``read``) or the rows changed, committed by itself."""
        adapted = fairy.dbapi_connection
        try:
            if self.is_sqlite:
                conn = adapted._connection._conn

                def run() -> Any:
                    cursor = conn.cursor()
                    try:
                        cursor.execute(sql, args)
                        if read:
                            return cursor.fetchall()
                        if conn.in_transaction:
                            conn.commit()
                        return cursor.rowcount
                    except BaseException:
                        if not read and conn.in_transaction:
                            conn.rollback()
                        raise
                    finally:
                        cursor.close()

                async with adapted._execute_mutex:
                    result = await adapted._connection._execute(run)
            elif read:
                result = await adapted._connection.fetch(sql, *args)
            else:
                status = await adapted._connection.execute(sql, *args)
                result = int(status.rsplit(" ", 1)[-1]) if status else 0
        except BaseException as error:
            await greenlet_spawn(self._failed, fairy, sql, error, read)
            raise  # a read is tried again on SQLAlchemy's path by ``rows``
        overflow = getattr(self.engine.sync_engine.pool, "overflow", None)
        if overflow is not None and overflow() > 0:
            # The pool is full: it closes a connection given back, which awaits.
            await greenlet_spawn(fairy.close)
        else:
            fairy.close()  # nothing open on it: giving it back awaits nothing
        return result

    def _failed(self, fairy: Any, sql: str, error: BaseException, read: bool) -> None:
        """After a direct statement failed: the connection goes back (or is
        closed, as ``_plan_rows``/``_plan_write`` do) in a greenlet, where
        that may await; a write's error is raised in SQLAlchemy's form."""
        dialect = self.engine.sync_engine.dialect
        # Taken before ``_discard``: a connection the server closed is
        # invalidated there, and the fairy holds none afterwards.
        adapted = fairy.dbapi_connection
        try:
            if not self.is_sqlite:
                _discard(fairy, error)
            if read or not isinstance(error, Exception):
                return
            try:
                adapted._handle_exception(error)  # raises it translated
            except dialect.loaded_dbapi.Error as translated:
                invalidated = fairy.dbapi_connection is None
                gone = invalidated or dialect.is_disconnect(translated, adapted, None)
                if gone and not invalidated:
                    fairy.invalidate(translated)
                raise DBAPIError.instance(
                    sql,
                    None,
                    translated,
                    dialect.loaded_dbapi.Error,
                    hide_parameters=True,
                    dialect=dialect,
                    connection_invalidated=gone,
                ) from error
        finally:
            fairy.close()

    def _write_one(self, statement: Executable, params: Mapping[str, Any]) -> int:
        with self.engine.sync_engine.connect() as conn:
            if not self.is_sqlite:
                conn = conn.execution_options(isolation_level="AUTOCOMMIT")
                return int(conn.execute(statement, params).rowcount)
            raw = conn.connection.dbapi_connection
            raw._commit_each = True  # type: ignore[union-attr]
            try:
                return int(conn.execute(statement, params).rowcount)
            finally:
                raw._commit_each = False  # type: ignore[union-attr]

    # -- compiled once ---------------------------------------------------------

    def _plan(
        self, statement: Executable, params: Mapping[str, Any] | None, *, read: bool
    ) -> _Plan | None:
        keys = tuple(sorted(params)) if params else ()
        plans: dict[tuple[int, tuple[str, ...]], tuple[Executable, _Plan | None]]
        plans = self.__dict__.setdefault("_plans", {})
        key = (id(statement), keys)
        found = plans.get(key)
        if found is not None and found[0] is statement:
            return found[1]
        if len(plans) >= 1000:
            # Statements are module constants; one built anew on every call
            # would fill this: it takes SQLAlchemy's path (and its cache).
            return None
        plan = _Plan.of(statement, self.engine.sync_engine.dialect, keys, read=read)
        plans[key] = (statement, plan)
        return plan

    def _plan_rows(self, plan: _Plan, params: Mapping[str, Any] | None) -> list[Any]:
        sql, args = plan.bound(params)
        fairy = self.engine.sync_engine.raw_connection()
        try:
            if self.is_sqlite:
                if plan.processors is None:
                    plan.typed(self.engine.sync_engine.dialect, [None] * len(plan.types))
                cursor = fairy.cursor()
                try:
                    cursor.execute(sql, args)
                    fetched = cursor.fetchall()
                finally:
                    cursor.close()
            else:
                driver = fairy.dbapi_connection._connection  # type: ignore[union-attr]
                try:
                    if plan.processors is None:
                        prepared = await_(driver.prepare(sql))
                        oids = [a.type.oid for a in prepared.get_attributes()]
                        plan.typed(self.engine.sync_engine.dialect, oids)
                        fetched = await_(prepared.fetch(*args))
                    else:
                        fetched = await_(driver.fetch(sql, *args))
                except BaseException as error:
                    _discard(fairy, error)
                    raise
        finally:
            fairy.close()
        return plan.rows(fetched)

    def _plan_write(self, plan: _Plan, params: Mapping[str, Any] | None) -> int:
        sql, args = plan.bound(params)
        fairy = self.engine.sync_engine.raw_connection()
        dialect = self.engine.sync_engine.dialect
        try:
            adapted = fairy.dbapi_connection
            if self.is_sqlite:
                adapted._commit_each = True  # type: ignore[union-attr]
                cursor = fairy.cursor()
                try:
                    cursor.execute(sql, args)
                    return int(cursor.rowcount)
                finally:
                    adapted._commit_each = False  # type: ignore[union-attr]
                    cursor.close()
            driver = adapted._connection  # type: ignore[union-attr]
            try:
                status = await_(driver.execute(sql, *args))
            except Exception as error:
                _discard(fairy, error)
                adapted._handle_exception(error)  # type: ignore[union-attr]  # raises it translated
                raise
            except BaseException as error:  # cancelled mid-statement
                _discard(fairy, error)
                raise
            return int(status.rsplit(" ", 1)[-1]) if status else 0
        except dialect.loaded_dbapi.Error as error:
            gone = dialect.is_disconnect(error, fairy.dbapi_connection, None)
            if gone:
                fairy.invalidate(error)
            raise DBAPIError.instance(
                sql,
                None,
                error,
                dialect.loaded_dbapi.Error,
                hide_parameters=True,
                dialect=dialect,
                connection_invalidated=gone,
            ) from error
        finally:
            fairy.close()

    async def dispose(self) -> None:
        await self.engine.dispose()


def _discard(fairy: Any, error: BaseException) -> None:
    """A PostgreSQL connection whose statement failed or was cancelled on the
    short path is closed rather than given back: its state is unknown (an
    operation may still be in progress). SQLAlchemy's own path does the same
    through its reset on return."""
    if not isinstance(error, Exception) or fairy.dbapi_connection._connection.is_closed():
        fairy.invalidate(error if isinstance(error, Exception) else None)


class _Plan:
    """One statement compiled for one dialect and one set of parameter
    names: its SQL, how to order and convert the values, how to convert
    the columns of the rows."""

    __slots__ = ("bind_processors", "compiled", "processors", "row_type", "types")

    def __init__(self, compiled: SQLCompiler, types: list[Any]) -> None:
        self.compiled = compiled
        self.bind_processors = dict(compiled._bind_processors)
        self.types = types
        # Result processors depend on the driver's column types on
        # PostgreSQL (``typed``, at the first execution); SQLite needs none.
        self.processors: tuple[Any, ...] | None = None
        names = [f"c{i}" for i in range(len(types))]
        self.row_type = collections.namedtuple("PlanRow", names)  # type: ignore[misc]

    def typed(self, dialect: Any, driver_types: Sequence[Any]) -> None:
        self.processors = tuple(
            t._cached_result_processor(dialect, d)
            for t, d in zip(self.types, driver_types, strict=True)
        )

    @classmethod
    def of(
        cls, statement: Executable, dialect: Any, keys: tuple[str, ...], *, read: bool
    ) -> _Plan | None:
        from sqlalchemy.sql.elements import ClauseElement

        if not isinstance(statement, ClauseElement) or not dialect.positional:
            return None
        if read != bool(getattr(statement, "is_select", False)):
            return None
        if not read and not getattr(statement, "is_dml", False):
            return None
        compiled = statement.compile(dialect=dialect, column_keys=list(keys))
        if not isinstance(compiled, SQLCompiler):
            return None
        if compiled.insert_prefetch or compiled.update_prefetch or compiled.effective_returning:
            return None  # Python-side defaults and RETURNING need SQLAlchemy's context
        return cls(compiled, [column[3] for column in compiled._result_columns])

    def bound(self, params: Mapping[str, Any] | None) -> tuple[str, tuple[Any, ...]]:
        state = self.compiled.construct_expanded_state(dict(params or {}))
        processors = self.bind_processors
        if state.processors:  # those of the values of an expanding IN
            processors = {**processors, **state.processors}
        values = [
            processors[name](value) if name in processors else value
            for name, value in zip(
                state.positiontup or (), state.positional_parameters, strict=True
            )
        ]
        return state.statement, tuple(values)

    def rows(self, fetched: list[Any]) -> list[Any]:
        make, processors = self.row_type._make, self.processors
        if not processors or not any(processors):
            return [make(tuple(row)) for row in fetched]
        return [
            make([p(v) if p is not None else v for p, v in zip(processors, row, strict=True)])
            for row in fetched
        ]


class AsyncCommit(ColumnElement[bool]):
    """A condition that is always true and, on PostgreSQL, lets the one
    statement it stands in commit without waiting for its WAL to reach the
    disk (``synchronous_commit`` off for that transaction only, by
    ``set_config(..., true)`` in the statement itself: no extra round trip).

    For rows that may be lost in a crash of the database server (not in a
    clean restart, and never half-written: the database stays consistent),
    where the flush would cost more than the statement: the conversation
    state, saved on every turn. A later synchronous commit flushes it too.
    SQLite in WAL mode with ``synchronous=NORMAL`` (``_sqlite_pragmas``)
    already commits every statement this way; there it is ``1 = 1``."""

    inherit_cache = True


@compiles(AsyncCommit)
def _async_commit(element: AsyncCommit, compiler: Any, **kw: Any) -> str:
    return "1 = 1"


@compiles(AsyncCommit, "postgresql")
def _async_commit_pg(element: AsyncCommit, compiler: Any, **kw: Any) -> str:
    return "set_config('synchronous_commit', 'off', true) = 'off'"


class DatabaseUnavailable(Exception):
    """The database could not be reached (restart, failover, network): nothing
    of the turn was kept, and the same event can be handled again later."""


# Messages of errors that mean "the connection went away", not "the statement
# was wrong": asyncpg's closed connections and shutdowns, SQLite's lock timeout.
_GONE_MESSAGES = (
    "connection was closed",
    "connection is closed",
    "terminating connection",
    "server closed the connection",
    "connection refused",
    "connect call failed",
    "cannot connect now",
    "the database system is starting up",
    "the database system is shutting down",
    "database is locked",
    "another operation is in progress",
)


def is_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` (or what caused it) says the database is out of
    reach rather than that a statement was wrong."""
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, DatabaseUnavailable | ConnectionError | TimeoutError):
            return True
        if isinstance(current, DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, InterfaceError | OperationalError | OSError | DBAPIError):
            text = str(current).lower()
            if any(m in text for m in _GONE_MESSAGES):
                return True
        name = type(current).__name__
        if name in (
            "ConnectionDoesNotExistError",
            "AdminShutdownError",
            "CannotConnectNowError",
            "ConnectionFailureError",
            "InterfaceError",
            "InternalClientError",
        ):
            return True
        current = current.__cause__ or current.__context__
    return False
