"""gunicorn settings for ipp-web.service (`gunicorn -c deploy/gunicorn.conf.py 'app:create_app()'`).

The application's own settings come from /etc/ipp/ipp.env; this file only shapes the
server process.
"""

import multiprocessing

# Loopback only: nginx on the same machine is the one client. (A unix socket would need
# nginx's www-data in the ipp group, which could then read /etc/ipp/ipp.env.) With app
# servers on other machines behind one nginx, bind to the private address instead, e.g.
# "10.0.0.11:8000", and let the firewall admit only the nginx host.
bind = "127.0.0.1:8000"

# Synchronous workers: every request waits on PostgreSQL (permission checks, queries), so
# the usual 2 × cores + 1 keeps the CPUs busy. Each worker holds its own connection pool:
# keep workers × app servers well under PostgreSQL's max_connections.
workers = multiprocessing.cpu_count() * 2 + 1
worker_class = "sync"

# Excel exports of a whole activity and PDF letters take tens of seconds; nginx's
# proxy_read_timeout matches. Large uploads do not count: they run on the Celery workers.
timeout = 120
graceful_timeout = 30
keepalive = 5
# No max_requests: without REDIS_URL a background job runs in a thread of the worker,
# and recycling the worker would kill it mid-job.

# Access and error logs in files rotated by deploy/logrotate/ipp (SIGUSR1 reopens them).
# capture_output sends the application's own log lines and tracebacks (stderr) to the
# error log too.
accesslog = "/var/log/ipp/access.log"
errorlog = "/var/log/ipp/error.log"
loglevel = "info"
capture_output = True
# The client's address as the app saw it through ProxyFix is in X-Forwarded-For.
access_log_format = '%({x-forwarded-for}i)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s %(L)ss "%(a)s"'

proc_name = "ipp-web"
