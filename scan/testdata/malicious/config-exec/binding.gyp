{
  "targets": [
    {
      "target_name": "addon",
      "sources": ["src/addon.cc"],
      "actions": [
        {
          "action_name": "generate_config",
          "inputs": [],
          "outputs": ["<(INTERMEDIATE_DIR)/config.h"],
          "action": ["node", "scripts/gen-config.js", "<@(_outputs)"]
        }
      ]
    }
  ]
}
