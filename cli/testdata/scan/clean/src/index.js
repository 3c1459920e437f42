const express = require('express');

const app = express();
app.use(express.json());

const todos = [];

app.get('/todos', (req, res) => res.json(todos));

app.post('/todos', (req, res) => {
  const todo = { id: todos.length + 1, title: String(req.body.title || ''), done: false };
  todos.push(todo);
  res.status(201).json(todo);
});

app.listen(process.env.PORT || 3000);
