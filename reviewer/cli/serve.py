"""`review serve`: the 复核 workbench in the browser (reviewer/web), served by uvicorn in this process."""

from __future__ import annotations

import ipaddress
import os
import secrets
import socket
import threading
import time
import webbrowser
from pathlib import Path

import click
from click.core import ParameterSource

from ..store import StoreError
from .errors import ReviewCommand
from .options import config_option, db_option, load_config
from .terminal import echo

MIN_PASSWORD = 8


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def read_token(path: Path) -> str:
    """The token in `path`; a missing file is created holding a random token, readable by its owner only."""
    if not path.exists():
        token = secrets.token_urlsafe(24)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(token + "\n")
        echo(f"已生成登录令牌并写入 {path}（仅本人可读）。", err=True)
        return token
    token = path.read_text(encoding="utf-8").strip()
    if len(token) < MIN_PASSWORD:
        raise click.UsageError(f"令牌文件 {path} 中的令牌过短（至少 {MIN_PASSWORD} 个字符）")
    return token


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound now so a port in use is said plainly (port 0: any free port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named: asyncio sets TCP_NODELAY only on connections whose socket says so. Without it
    # Nagle's algorithm and the browser's delayed ACK hold each response back some 40 ms.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    if os.name != "nt":  # on Windows this would let two servers share the port
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        raise StoreError(f"无法在 {host}:{port} 启动工作台：{exc.strerror or exc}（端口可能已被占用，可用 --port 换一个）") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


@click.command(cls=ReviewCommand)
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="Port to listen on (0: any free port).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but loopback (e.g. 0.0.0.0 for the office network) needs "
                   "--password or --token-file.")
@click.option("--password", envvar="REVIEW_PASSWORD",
              help="Password every browser must log in with (env REVIEW_PASSWORD; a command line can be seen by "
                   "other users of the PC, the variable or --token-file cannot).")
@click.option("--token-file", type=click.Path(dir_okay=False, path_type=Path),
              help="File holding a login token (created with a random one, readable by you only, when missing).")
@click.option("--allow-host", "allow_hosts", multiple=True,
              help="Another name browsers reach this PC by (e.g. its name on the network); repeatable.")
@click.option("--read-only", is_flag=True, help="Look, do not decide: for a supervisor (no decision or score "
                                                 "change is taken; downloads still work).")
@click.option("--no-browser", is_flag=True, help="Do not open the browser.")
@config_option
@db_option
def serve(port, host, password, token_file, allow_hosts, read_only, no_browser, config_path, db_path) -> None:
    """The 复核 workbench in the browser, over the same database as `review session`: the batch with
    filters, each form with its scorecard and points, the 问题清单, downloads of the Word and Excel
    documents, progress per reviewer. Keys as in the terminal: j/k, a, r, e, g, s, u, /, ?.

    Listens on 127.0.0.1 only, unless --host names another address: then every browser must log in with
    --password or the token in --token-file. Several reviewers (and the terminal session, and `review`
    storing more forms) can work on one database at once; a decision someone took meanwhile is shown,
    never overwritten. Stop with Ctrl+C.
    """
    import uvicorn

    from ..web import create_app

    ctx = click.get_current_context()
    given = [password] if password else []
    if password and len(password) < MIN_PASSWORD:
        raise click.UsageError(f"密码至少 {MIN_PASSWORD} 个字符")
    if password and ctx.get_parameter_source("password") == ParameterSource.COMMANDLINE:
        echo("提示：命令行中的密码可能被本机其他用户看到，建议改用环境变量 REVIEW_PASSWORD 或 --token-file。", err=True)
    if token_file:
        given.append(read_token(token_file))
    if not is_loopback(host) and not given:
        raise click.UsageError(f"在 {host} 上开放工作台须设置登录密码：请加 --password（或环境变量 REVIEW_PASSWORD）"
                               "或 --token-file；只在本机使用时不要指定 --host。")
    config = load_config(config_path) if config_path else None
    sock = bind(host, port)
    port = sock.getsockname()[1]
    app = create_app(db_path, config, read_only=read_only, secrets=given, host=host, port=port, allow_hosts=allow_hosts)
    del given, password  # the app keeps only their hashes
    ctx.params.pop("password", None)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    url = f"http://{'[' + shown + ']' if ':' in shown else shown}:{port}/"
    mode = "（只读）" if read_only else ""
    echo(f"复核工作台{mode}：{url}  数据库 {db_path}  按 Ctrl+C 停止", err=True)
    if host in ("0.0.0.0", "::"):
        echo(f"同一网络中的其他电脑可访问 http://{socket.gethostname()}:{port}/（需登录）", err=True)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, server_header=False,
                                           proxy_headers=False, lifespan="on"))
    if not no_browser:
        threading.Thread(target=_open_when_ready, args=(server, url), daemon=True).start()
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn stops on Ctrl+C, then passes the signal on
        pass
    finally:
        sock.close()
    echo("工作台已停止。", err=True)


def _open_when_ready(server, url: str) -> None:  # noqa: ANN001 - uvicorn.Server
    for _ in range(100):
        if server.started:
            webbrowser.open(url)
            return
        time.sleep(0.05)


__all__ = ["serve", "is_loopback", "read_token"]
