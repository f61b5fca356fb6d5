#!/usr/bin/env node
// Compiles every wallet/contracts/*.sol with the pinned solc-js and writes one JSON artifact per
// deployable contract to wallet/contracts/artifacts/<ContractName>.json.
//
// Usage: node scripts/build_contracts.mjs [--out DIR]
//
// The output is deterministic (sorted keys, two-space indent, trailing newline), so rebuilding
// from unchanged sources reproduces the committed artifacts byte-for-byte. Any compiler error,
// or a build that yields no deployable contract, exits non-zero.

import { readdirSync, readFileSync, mkdirSync, writeFileSync, rmSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import solc from 'solc'

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const CONTRACTS_DIR = join(REPO_ROOT, 'wallet', 'contracts')
const DEFAULT_OUT_DIR = join(CONTRACTS_DIR, 'artifacts')

// Cancun is the newest fork that both anvil and py-evm (web3's embedded test chain) execute.
const SETTINGS = Object.freeze({
  evmVersion: 'cancun',
  optimizer: { enabled: true, runs: 200 },
})

function fail(message) {
  console.error(`build_contracts: ${message}`)
  process.exit(1)
}

function parseArgs(argv) {
  const args = { outDir: DEFAULT_OUT_DIR }
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out' && i + 1 < argv.length) {
      args.outDir = resolve(argv[++i])
    } else {
      fail(`unknown argument ${JSON.stringify(argv[i])}; usage: build_contracts.mjs [--out DIR]`)
    }
  }
  return args
}

function readSources() {
  const files = readdirSync(CONTRACTS_DIR).filter((f) => f.endsWith('.sol')).sort()
  if (files.length === 0) fail(`no .sol files in ${CONTRACTS_DIR}`)
  const sources = {}
  for (const file of files) {
    sources[file] = { content: readFileSync(join(CONTRACTS_DIR, file), 'utf8') }
  }
  return sources
}

function compile(sources) {
  const input = {
    language: 'Solidity',
    sources,
    settings: {
      ...SETTINGS,
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
    },
  }
  const output = JSON.parse(solc.compile(JSON.stringify(input)))
  const diagnostics = output.errors ?? []
  for (const d of diagnostics) console.error(d.formattedMessage ?? d.message)
  const errors = diagnostics.filter((d) => d.severity === 'error')
  if (errors.length > 0) fail(`${errors.length} compiler error(s)`)
  return output.contracts ?? {}
}

function collectArtifacts(contracts) {
  const artifacts = new Map()
  for (const file of Object.keys(contracts).sort()) {
    for (const [name, out] of Object.entries(contracts[file])) {
      const bytecode = out.evm.bytecode.object
      // Interfaces and abstract contracts have no bytecode and are not deployable.
      if (!bytecode) continue
      if (artifacts.has(name)) fail(`contract name ${name} is defined in more than one file`)
      artifacts.set(name, {
        contractName: name,
        sourceName: `wallet/contracts/${file}`,
        abi: out.abi,
        bytecode: `0x${bytecode}`,
        deployedBytecode: `0x${out.evm.deployedBytecode.object}`,
        compiler: { name: 'solc', version: solc.version() },
        settings: SETTINGS,
      })
    }
  }
  if (artifacts.size === 0) fail('no deployable contracts were produced')
  return artifacts
}

function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys(value[k])]),
    )
  }
  return value
}

function writeArtifacts(artifacts, outDir) {
  mkdirSync(outDir, { recursive: true })
  // Drop artifacts of contracts that no longer exist so the folder mirrors the sources.
  for (const file of readdirSync(outDir)) {
    if (file.endsWith('.json') && !artifacts.has(basename(file, '.json'))) {
      rmSync(join(outDir, file))
    }
  }
  for (const [name, artifact] of artifacts) {
    const text = `${JSON.stringify(sortKeys(artifact), null, 2)}\n`
    writeFileSync(join(outDir, `${name}.json`), text)
    console.log(`wrote ${join(outDir, `${name}.json`)}`)
  }
}

const { outDir } = parseArgs(process.argv.slice(2))
writeArtifacts(collectArtifacts(compile(readSources())), outDir)
