// Posts the name to /echo (after a delay the server adds) and shows the answer.
document.getElementById("f").addEventListener("submit", async (e) => {
  e.preventDefault();
  const name = document.getElementById("name").value;
  const r = await fetch("/echo?name=" + encodeURIComponent(name));
  document.getElementById("out").textContent = await r.text();
});
