# In-tree build backend: imported by pip install .
print("defanged fixture")
