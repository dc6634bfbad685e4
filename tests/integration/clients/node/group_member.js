'use strict'
// One kafkajs consumer-group member, run as its own process by the Python group tests
// (../group_members.py). Not a test by itself. Prints the same JSON lines as
// ../group_member_ck.py:
//   ready, assign {parts} (GROUP_JOIN), recs {recs: [[p, offset, key, sha1(value)[:16]]]}
//   (reported before their commit), commit {offsets}, commit_error, revoke {parts}
//   (REBALANCING: kafkajs has stopped fetching and processing and is about to rejoin),
//   leaving, closed, error; each with "t", wall-clock ms.
// Commits are manual (autoCommit off): each batch is reported, then its offsets committed,
// then resolved. stdin "leave" (or EOF) stops processing, then disconnect() (LeaveGroup).
// Its assigner is kafkajs's round robin under the standard name "roundrobin", so that it
// shares a group with librdkafka members (kafkajs calls its own "RoundRobinAssigner").
//   node group_member.js --bootstrap H:P --topic T --group G [--session-ms N]

const crypto = require('node:crypto')
const readline = require('node:readline')

let kafkajs
try {
  kafkajs = require('kafkajs')
} catch (e) {
  console.log(JSON.stringify({ ev: 'error', t: Date.now(), error: 'kafkajs missing: ' + e.message }))
  process.exit(2)
}
const { Kafka, logLevel, PartitionAssigners, AssignerProtocol } = kafkajs

function arg(name, dflt) {
  const i = process.argv.indexOf('--' + name)
  if (i < 0) {
    if (dflt === undefined) throw new Error('missing --' + name)
    return dflt
  }
  return process.argv[i + 1]
}

const bootstrap = arg('bootstrap')
const topic = arg('topic')
const groupId = arg('group')
const sessionMs = Number(arg('session-ms', '10000'))
const maxSeconds = Number(arg('max-seconds', '120'))

const now = () => performance.timeOrigin + performance.now()
function emit(ev, fields = {}) {
  process.stdout.write(JSON.stringify({ ...fields, ev, t: now() }) + '\n')
}
const vhash = v => crypto.createHash('sha1').update(v || Buffer.alloc(0)).digest('hex').slice(0, 16)

const roundrobin = ({ cluster }) => {
  const rr = PartitionAssigners.roundRobin({ cluster })
  return {
    name: 'roundrobin',
    version: 0,
    assign: rr.assign,
    protocol({ topics }) {
      return {
        name: 'roundrobin',
        metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics }),
      }
    },
  }
}

// kafkajs's log (INFO and up) to stderr, one line each, for the failure report.
const logCreator = () => ({ namespace, level, label, log }) => {
  const { message, ...extra } = log
  process.stderr.write(`${new Date().toISOString()} ${label} [${namespace}] ${message} ${JSON.stringify(extra)}\n`)
}

async function main() {
  const kafka = new Kafka({
    clientId: 'kjs-member',
    brokers: [bootstrap],
    logLevel: logLevel.INFO,
    logCreator,
    retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 2000 },
  })
  const consumer = kafka.consumer({
    groupId,
    partitionAssigners: [roundrobin],
    sessionTimeout: sessionMs,
    rebalanceTimeout: 20000,
    heartbeatInterval: 500,
    maxWaitTimeInMs: 100,
    allowAutoTopicCreation: false,
    retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 2000 },
  })
  const { GROUP_JOIN, REBALANCING, CRASH } = consumer.events
  consumer.on(GROUP_JOIN, e => {
    const parts = (e.payload.memberAssignment[topic] || []).slice().sort((a, b) => a - b)
    emit('assign', { parts, member_id: e.payload.memberId, leader: e.payload.isLeader })
  })
  let owned = []
  consumer.on(GROUP_JOIN, e => {
    owned = (e.payload.memberAssignment[topic] || []).slice().sort((a, b) => a - b)
  })
  consumer.on(REBALANCING, () => {
    emit('revoke', { parts: owned })
    owned = []
  })
  consumer.on(CRASH, e => emit('error', { error: 'crash: ' + String(e.payload.error), restart: e.payload.restart }))

  let leaving = false
  let finishing = null
  const finish = async code => {
    if (finishing) return finishing
    leaving = true
    finishing = (async () => {
      emit('leaving')
      try {
        await consumer.disconnect() // waits for the running batch, then LeaveGroup
        emit('closed')
      } catch (e) {
        emit('error', { error: 'disconnect: ' + e.message })
        code = code || 2
      }
      process.exit(code)
    })()
    return finishing
  }
  readline.createInterface({ input: process.stdin }).on('line', line => {
    if (['leave', 'stop'].includes(line.trim())) finish(0)
  }).on('close', () => finish(0))
  setTimeout(() => {
    emit('error', { error: `member ran for --max-seconds ${maxSeconds}, giving up` })
    finish(3)
  }, maxSeconds * 1000).unref()

  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }) => {
      if (leaving || !isRunning() || isStale() || batch.messages.length === 0) return
      const p = batch.partition
      // Processing is synchronous: nothing else runs between these lines and the report.
      const recs = batch.messages.map(m => [
        p,
        Number(m.offset),
        m.key === null ? null : m.key.toString('utf8'),
        vhash(m.value),
      ])
      emit('recs', { recs })
      const last = batch.messages[batch.messages.length - 1].offset
      const next = String(Number(last) + 1)
      try {
        await commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition: p, offset: next }] }] })
        emit('commit', { offsets: { [p]: Number(next) } })
      } catch (e) {
        emit('commit_error', { error: `${e.name}: ${e.message} (${e.type || ''})`, offsets: { [p]: Number(next) } })
        throw e
      }
      resolveOffset(last)
      await heartbeat()
    },
  })
  emit('ready')
}

main().catch(e => {
  emit('error', { error: 'main: ' + (e.stack || e.message) })
  process.exit(2)
})
