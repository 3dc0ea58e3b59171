"""gunicorn's configuration of a production node: `gunicorn -c deploy/gunicorn.conf.py` (deploy/systemd/).

Behind nginx (deploy/nginx/demandloop.conf) on a unix socket; every value can be changed in the environment
file (/etc/demandloop/demandloop.env) without editing this one.
"""

import multiprocessing
import os

wsgi_app = "config.wsgi:application"
# A unix socket nginx reaches (the systemd unit makes /run/demandloop), or host:port, e.g. 127.0.0.1:8000.
bind = os.environ.get("GUNICORN_BIND", "unix:/run/demandloop/gunicorn.sock")
# The socket: the service's user and nginx's group (the unit's Group=www-data), nobody else.
umask = 0o007
# Synchronous workers: a request's ORM work and its Word/Excel documents are CPU and database bound.
workers = int(os.environ.get("GUNICORN_WORKERS", str(multiprocessing.cpu_count() * 2 + 1)))
# A monthly report's Word document or a 12345 import of thousands of orders is made within a request.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests (spread, so that not all at once): memory stays flat.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
# The heartbeat file of each worker in memory, not on a disk that may stall (gunicorn's own advice; it makes
# the file with mkstemp, so a shared folder is safe).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
# Logs to the journal (systemd); the client's address is the one nginx passes on.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%({x-real-ip}i)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
proc_name = "demandloop"
