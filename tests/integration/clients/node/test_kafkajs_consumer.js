'use strict'
// kafkajs's Consumer, which always works in a consumer group (FindCoordinator, JoinGroup,
// SyncGroup, Heartbeat, OffsetCommit/Fetch, LeaveGroup): subscribe, read everything with
// exact bytes and order, commit, and a second consumer of the group resumes from the
// committed offsets. Until the broker lists the group APIs in ApiVersions, the file says
// SKIPPED with the missing APIs and exits 77.
//   SLUICED=build/.../sluiced node test_kafkajs_consumer.js

const assert = require('node:assert')
const { after, describe } = require('node:test')
const harness = require('./harness')
const { byPartition, compare, makeRecords, produce } = require('./records')

const kafkajs = harness.requireKafkajs()
const PARTITIONS = 3

async function main() {
  const { Kafka, logLevel } = kafkajs
  const broker = await harness.Broker.start([`num.partitions=${PARTITIONS}`])
  const missing = await broker.missingApis(harness.GROUP_APIS)
  if (missing.length) {
    await broker.close()
    harness.skipFile(`kafkajs Consumer: the broker does not list ${missing.join(', ')} in ApiVersions yet`)
    return
  }
  const rng = harness.seededRandom('kafkajs-consumer')
  const kafka = new Kafka({
    clientId: 'sluice-kafkajs-consumer-test',
    brokers: [broker.bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 5, initialRetryTime: 100 },
  })
  const producer = kafka.producer()
  await producer.connect()

  /** One consumer of `groupId` reads until it has `n` records, commits, and leaves. */
  async function readGroup(topic, groupId, n, timeoutMs = 60000) {
    const consumer = kafka.consumer({ groupId, sessionTimeout: 10000, heartbeatInterval: 1000 })
    await consumer.connect()
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    const got = {}
    for (let p = 0; p < PARTITIONS; p++) got[p] = []
    let total = 0
    let resolveDone
    const done = new Promise(r => (resolveDone = r))
    await consumer.run({
      autoCommit: true,
      autoCommitThreshold: 100,
      eachMessage: async ({ partition, message }) => {
        const p = got[partition]
        const offset = Number(message.offset)
        if (p.length) assert.equal(offset, p.lastOffset + 1, `partition ${partition}: offsets in order`)
        p.lastOffset = offset
        const { key, value, headers, timestamp } = message
        p.push({ partition, key, value, headers, timestamp })
        if (++total === n) resolveDone()
      },
    })
    const timer = setTimeout(resolveDone, timeoutMs)
    await done
    clearTimeout(timer)
    await consumer.disconnect() // commits what was read, then LeaveGroup
    assert.equal(total, n, `${groupId}: records read`)
    for (const p of Object.keys(got)) delete got[p].lastOffset
    return got
  }

  describe('kafkajs consumer group', () => {
    after(async () => {
      await producer.disconnect()
      if (harness.failed()) harness.printLogs()
      await broker.close()
    })

    harness.it('subscribe reads 2000 records exactly; a new member resumes from committed offsets', async () => {
      const topic = 'kjs-group'
      const recs = makeRecords(rng, 2000, PARTITIONS)
      await produce(producer, topic, recs, { acks: -1 })
      compare(byPartition(recs, PARTITIONS), await readGroup(topic, 'kjs-g1', 2000), `${topic} via the group`)
      const more = makeRecords(rng, 300, PARTITIONS)
      const starts = {}
      for (const [p, v] of Object.entries(byPartition(recs, PARTITIONS))) starts[p] = v.length
      await produce(producer, topic, more, { acks: -1, startOffsets: starts })
      compare(byPartition(more, PARTITIONS), await readGroup(topic, 'kjs-g1', 300), `${topic} resumed`)
    })
  })
}

if (kafkajs) {
  main().catch(e => {
    console.error(e)
    harness.printLogs()
    process.exit(1)
  })
}
