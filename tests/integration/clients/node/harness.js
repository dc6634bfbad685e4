'use strict'
// Starts the real sluiced for the kafkajs tests, like ../harness.py: a fresh temporary
// directory, a free loopback port kept across restarts, stderr kept for failure reports.
// Also: ApiVersions without kafkajs (to decide skips), seeded randomness, and the
// "SKIPPED: why" + exit 77 that ctest reports as skipped.

const assert = require('node:assert')
const { spawn } = require('node:child_process')
const crypto = require('node:crypto')
const fs = require('node:fs')
const net = require('node:net')
const os = require('node:os')
const path = require('node:path')

const SKIP = 77

const ADMIN_APIS = {
  19: 'CreateTopics',
  20: 'DeleteTopics',
  21: 'DeleteRecords',
  32: 'DescribeConfigs',
  37: 'CreatePartitions',
  60: 'DescribeCluster',
}
const GROUP_APIS = {
  8: 'OffsetCommit',
  9: 'OffsetFetch',
  10: 'FindCoordinator',
  11: 'JoinGroup',
  12: 'Heartbeat',
  13: 'LeaveGroup',
  14: 'SyncGroup',
}

/** Ends the file as skipped: exit 77 for ctest, or a skipped test under `node --test`. */
function skipFile(why) {
  if (process.env.NODE_TEST_CONTEXT) {
    require('node:test').test('this file', { skip: why }, () => {})
    return
  }
  console.log('SKIPPED: ' + why)
  process.exit(SKIP)
}

/** require() of kafkajs, or a skip when `npm ci` has not been run. */
function requireKafkajs() {
  try {
    return require('kafkajs')
  } catch (e) {
    skipFile(
      'kafkajs is not installed in ' + __dirname + ' (run tools/setup, or npm ci there): ' +
        e.message.split('\n')[0]
    )
    return null
  }
}

function sluicedPath() {
  const p = process.env.SLUICED
  if (!p) {
    console.error('SLUICED is not set: give the path of the sluiced binary (ctest sets it)')
    process.exit(1)
  }
  return p
}

/** A seeded generator (mulberry32) whose seed is printed; SLUICE_TEST_SEED forces one. */
function seededRandom(name) {
  const seed = Number(process.env.SLUICE_TEST_SEED || 0) || crypto.randomInt(1, 2 ** 31)
  console.log(`${name}: seed ${seed} (rerun with SLUICE_TEST_SEED=${seed})`)
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return {
    random: next,
    int: n => Math.floor(next() * n),
    bytes: n => {
      const b = Buffer.allocUnsafe(n)
      for (let i = 0; i < n; i++) b[i] = Math.floor(next() * 256)
      return b
    },
  }
}

const brokers = []

class Broker {
  constructor(settings = [], name = 'sluiced') {
    this.name = name
    this.settings = settings
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-kafkajs-'))
    this.logDir = path.join(this.dir, 'data')
    this.port = 0
    this.proc = null
    this.log = []
    this.starts = 0
    brokers.push(this)
  }

  static async start(settings, name) {
    const b = new Broker(settings, name)
    await b.start()
    return b
  }

  get bootstrap() {
    return `127.0.0.1:${this.port}`
  }

  async start(timeoutMs = 30000) {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const err = await this._tryStart(deadline)
      if (!err) return
      // A parallel run's connection may briefly hold our fixed port: try again.
      if (/in use/i.test(err) && this.port && Date.now() < deadline) {
        await new Promise(r => setTimeout(r, 200))
        continue
      }
      throw new Error(`${this.name} did not start: ${err}\n${this.logText()}`)
    }
  }

  _tryStart(deadline) {
    const argv = [
      '--set',
      `log.dirs=${this.logDir}`,
      '--set',
      `listeners=PLAINTEXT://127.0.0.1:${this.port}`,
    ]
    for (const s of this.settings) argv.push('--set', s)
    this.starts++
    this.log.push(`---- start #${this.starts}: ${sluicedPath()} ${argv.join(' ')}`)
    const firstLine = this.log.length - 1
    const proc = spawn(sluicedPath(), argv, { stdio: ['ignore', 'pipe', 'pipe'] })
    this.proc = proc
    this.exited = new Promise(resolve => proc.on('exit', (code, sig) => resolve({ code, sig })))
    return new Promise(resolve => {
      let seenPort = null
      let buf = ''
      let done = false
      const finish = err => {
        if (done) return
        done = true
        clearInterval(timer)
        resolve(err)
      }
      const onData = chunk => {
        buf += chunk.toString('utf8')
        let nl
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl)
          buf = buf.slice(nl + 1)
          this.log.push(line)
          const m = /sluiced: listening on 127\.0\.0\.1:(\d+)/.exec(line)
          if (m) seenPort = Number(m[1])
          if (line.includes('sluiced: ready')) {
            if (this.port === 0) this.port = seenPort
            finish(seenPort === this.port ? null : `listening on ${seenPort}, not ${this.port}`)
          }
        }
      }
      proc.stdout.on('data', onData)
      proc.stderr.on('data', onData)
      proc.on('exit', code => {
        const text = this.log.slice(firstLine).join('\n')
        finish(`exited with code ${code} before it was ready${/in use/i.test(text) ? ' (address in use)' : ''}`)
      })
      const timer = setInterval(() => {
        if (Date.now() > deadline) {
          proc.kill('SIGKILL')
          finish('not ready within the timeout')
        }
      }, 100)
    })
  }

  /** SIGTERM; the broker must exit 0. */
  async stop(timeoutMs = 30000) {
    if (!this.proc) return
    const proc = this.proc
    this.proc = null
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM')
    let timer
    const timeout = new Promise(resolve => {
      timer = setTimeout(() => resolve(null), timeoutMs)
    })
    const r = await Promise.race([this.exited, timeout])
    clearTimeout(timer)
    if (r === null) {
      proc.kill('SIGKILL')
      throw new Error(`${this.name} did not stop within ${timeoutMs} ms of SIGTERM\n${this.logText()}`)
    }
    if (r.code !== 0) {
      throw new Error(
        `${this.name} exited with code ${r.code} (signal ${r.sig}) after SIGTERM, expected 0\n` +
          this.logText()
      )
    }
  }

  /** Clean stop (exit 0 asserted), then start on the same port and directory. */
  async restart() {
    await this.stop()
    await this.start()
  }

  async kill9() {
    if (!this.proc) return
    const proc = this.proc
    this.proc = null
    proc.kill('SIGKILL')
    await this.exited
  }

  /** stop(), then remove the directory (kept when stop() throws). */
  async close() {
    await this.stop()
    fs.rmSync(this.dir, { recursive: true, force: true })
  }

  logText() {
    return this.log.join('\n')
  }

  apiVersions() {
    return apiVersions(this.port)
  }

  /** Names of the wanted APIs ({key: name}) that ApiVersions does not list. */
  async missingApis(wanted) {
    const have = await this.apiVersions()
    return Object.entries(wanted)
      .filter(([k]) => !have.has(Number(k)))
      .map(([k, n]) => `${n} (${k})`)
  }
}

/** ApiVersions v0 over a plain socket: Map(apiKey -> [min, max]). */
function apiVersions(port, timeoutMs = 10000) {
  return new Promise((resolve, reject) => {
    const clientId = Buffer.from('sluice-harness')
    const body = Buffer.alloc(10 + clientId.length)
    body.writeInt16BE(18, 0)
    body.writeInt16BE(0, 2)
    body.writeInt32BE(7, 4)
    body.writeInt16BE(clientId.length, 8)
    clientId.copy(body, 10)
    const size = Buffer.alloc(4)
    size.writeInt32BE(body.length)
    const sock = net.connect(port, '127.0.0.1')
    let got = Buffer.alloc(0)
    const timer = setTimeout(() => {
      sock.destroy()
      reject(new Error('ApiVersions timed out'))
    }, timeoutMs)
    sock.on('connect', () => sock.write(Buffer.concat([size, body])))
    sock.on('error', e => {
      clearTimeout(timer)
      reject(e)
    })
    sock.on('data', chunk => {
      got = Buffer.concat([got, chunk])
      if (got.length < 4 || got.length < 4 + got.readInt32BE(0)) return
      clearTimeout(timer)
      sock.destroy()
      const r = got.subarray(4)
      try {
        assert.equal(r.readInt32BE(0), 7, 'ApiVersions correlation id')
        assert.equal(r.readInt16BE(4), 0, 'ApiVersions error code')
        const out = new Map()
        const n = r.readInt32BE(6)
        for (let i = 0; i < n; i++) {
          const o = 10 + 6 * i
          out.set(r.readInt16BE(o), [r.readInt16BE(o + 2), r.readInt16BE(o + 4)])
        }
        resolve(out)
      } catch (e) {
        reject(e)
      }
    })
    sock.on('end', () => reject(new Error('broker closed the connection during ApiVersions')))
  })
}

let anyFailed = false

/** node:test's it(), noting failures so that the brokers' logs get printed. */
function it(name, fn) {
  return require('node:test').it(name, async t => {
    try {
      return await fn(t)
    } catch (e) {
      anyFailed = true
      throw e
    }
  })
}

const failed = () => anyFailed

/** Prints every broker's log (after a failure). */
function printLogs() {
  for (const b of brokers) {
    process.stderr.write(`\n==== ${b.name} log (${b.dir}) ====\n${b.logText()}\n`)
  }
}

process.on('exit', () => {
  for (const b of brokers) if (b.proc) b.proc.kill('SIGKILL')
})

module.exports = {
  ADMIN_APIS,
  GROUP_APIS,
  Broker,
  apiVersions,
  failed,
  it,
  printLogs,
  requireKafkajs,
  seededRandom,
  skipFile,
}
