#!/usr/bin/env node
// compile.js compiles the Solidity test contracts in this folder with the
// pure-JavaScript solc that scripts/install-test-deps.sh installs into
// <module root>/.tools/node_modules/solc, and writes compiled.json beside
// this file (or to stdout with --stdout). internal/safetest embeds that
// file. Regenerate it with
//
//	go generate ./internal/safetest
//
// The output depends only on the sources, the solc version and the settings
// below (no metadata hash is appended), so it is reproducible; the test
// TestCompiledContractsUpToDate checks that it is.
'use strict';

const fs = require('fs');
const path = require('path');

const SOURCES = ['TestERC20.sol', 'TestGuard.sol', 'Trojan.sol', 'TestWETH.sol', 'TestDEX.sol', 'Forwarder.sol', 'TestERC1155.sol', 'TestOwnedProxy.sol', 'TestTimelock.sol'];
const SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  viaIR: true,
  evmVersion: 'cancun',
  metadata: { bytecodeHash: 'none', appendCBOR: false },
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
};

function moduleRoot(dir) {
  for (;;) {
    if (fs.existsSync(path.join(dir, 'go.mod'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('go.mod not found above ' + __dirname);
    dir = parent;
  }
}

function main() {
  const solcDir = path.join(moduleRoot(__dirname), '.tools', 'node_modules', 'solc');
  if (!fs.existsSync(solcDir)) {
    process.stderr.write('compile.js: ' + solcDir + ' is missing: run scripts/install-test-deps.sh\n');
    process.exit(1);
  }
  const solc = require(solcDir);
  const sources = {};
  for (const name of SOURCES) {
    sources[name] = { content: fs.readFileSync(path.join(__dirname, name), 'utf8') };
  }
  const input = { language: 'Solidity', sources, settings: SETTINGS };
  const output = JSON.parse(solc.compile(JSON.stringify(input)));
  const problems = (output.errors || []).filter((e) => e.severity === 'error' || e.type === 'Warning');
  if (problems.length > 0) {
    for (const e of problems) process.stderr.write(e.formattedMessage || e.message);
    process.exit(1);
  }
  const contracts = {};
  for (const name of SOURCES) {
    for (const [contractName, c] of Object.entries(output.contracts[name])) {
      if (c.evm.bytecode.object === '') continue; // interfaces
      contracts[contractName] = {
        source: name,
        abi: c.abi,
        bytecode: '0x' + c.evm.bytecode.object,
        deployedBytecode: '0x' + c.evm.deployedBytecode.object,
      };
    }
  }
  const result = {
    _generated: 'by internal/safetest/testdata/contracts/compile.js (go generate ./internal/safetest); do not edit',
    compiler: 'solc ' + solc.version(),
    settings: { optimizer: SETTINGS.optimizer, viaIR: SETTINGS.viaIR, evmVersion: SETTINGS.evmVersion, metadata: SETTINGS.metadata },
    contracts,
  };
  const text = JSON.stringify(result, null, 1) + '\n';
  if (process.argv.includes('--stdout')) {
    process.stdout.write(text);
  } else {
    fs.writeFileSync(path.join(__dirname, 'compiled.json'), text);
  }
}

main();
