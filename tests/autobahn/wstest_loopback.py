# Python 2.7 launcher for wstest (Autobahn|Testsuite).
# wstest listens on every interface (interface=''); this wrapper forces each TCP/TLS
# listener onto one address ($AUTOBAHN_BIND, default 127.0.0.1), then runs wstest
# with the unchanged command line.
import os
import sys
import warnings

warnings.simplefilter("ignore")

from autobahntestsuite import wstest  # installs the reactor
from twisted.internet import reactor

BIND = os.environ.get("AUTOBAHN_BIND", "127.0.0.1")
_listen_tcp = reactor.listenTCP
_listen_ssl = reactor.listenSSL


def listen_tcp(port, factory, backlog=50, interface=""):
    return _listen_tcp(port, factory, backlog, BIND)


def listen_ssl(port, factory, context_factory, backlog=50, interface=""):
    return _listen_ssl(port, factory, context_factory, backlog, BIND)


reactor.listenTCP = listen_tcp
reactor.listenSSL = listen_ssl

if __name__ == "__main__":
    sys.argv[0] = "wstest"
    wstest.run()
