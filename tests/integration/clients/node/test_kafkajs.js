'use strict'
// kafkajs against the real sluiced: the producer with acks -1, 1 and 0 (and gzip), reads
// through kafkajs's own Fetch + RecordBatch decoding (its Consumer needs consumer groups:
// see test_kafkajs_consumer.js), the admin calls that need no admin API (fetchTopicOffsets,
// fetchTopicOffsetsByTimestamp, fetchTopicMetadata, listTopics, describeCluster), and data
// surviving a clean restart. Uses node's built-in test runner:
//   SLUICED=build/.../sluiced node test_kafkajs.js     (ctest runs it so; exit 77 = skipped)

const assert = require('node:assert')
const { after, before, describe } = require('node:test')
const harness = require('./harness')
const { it } = harness
const { byPartition, compare, counts, fetchAll, makeRecords, produce } = require('./records')

const kafkajs = harness.requireKafkajs()
const PARTITIONS = 4

if (kafkajs) {
  const { Kafka, logLevel, CompressionTypes } = kafkajs

  describe('kafkajs producer and fetch', () => {
    const rng = harness.seededRandom('kafkajs')
    let broker
    let kafka
    let producer

    before(async () => {
      // Small segments: reads and the restart cross many segment boundaries.
      broker = await harness.Broker.start([`num.partitions=${PARTITIONS}`, 'log.segment.bytes=524288'])
      kafka = new Kafka({
        clientId: 'sluice-kafkajs-test',
        brokers: [broker.bootstrap],
        logLevel: logLevel.NOTHING,
        retry: { retries: 5, initialRetryTime: 100 },
      })
      producer = kafka.producer({ allowAutoTopicCreation: true })
      await producer.connect()
    })
    after(async () => {
      if (producer) await producer.disconnect()
      if (harness.failed()) harness.printLogs()
      if (broker) await broker.close()
    })

    async function roundtrip(topic, count, acks, opts = {}) {
      const recs = makeRecords(rng, count, PARTITIONS)
      const expected = byPartition(recs, PARTITIONS)
      const next = await produce(producer, topic, recs, { acks, ...opts })
      if (acks !== 0) assert.deepEqual(next, counts(expected), 'acknowledged offsets per partition')
      else await waitForEnds(topic, counts(expected)) // nothing confirms acks=0 writes
      // (acks=1: fetchAll waits for the high watermark, the flushed end, to get there.)
      const got = await fetchAll(kafka, topic, counts(expected))
      compare(expected, got, `${topic} (acks=${acks})`)
      return expected
    }

    async function waitForEnds(topic, ends, timeoutMs = 30000) {
      const admin = kafka.admin()
      await admin.connect()
      try {
        const deadline = Date.now() + timeoutMs
        for (;;) {
          const offsets = await admin.fetchTopicOffsets(topic)
          const have = Object.fromEntries(offsets.map(o => [o.partition, Number(o.high)]))
          if (Object.keys(ends).every(p => have[p] >= ends[p])) return
          assert.ok(
            Date.now() < deadline,
            `high watermarks ${JSON.stringify(have)} never reached ${JSON.stringify(ends)}`
          )
          await new Promise(r => setTimeout(r, 50))
        }
      } finally {
        await admin.disconnect()
      }
    }

    it('acks=-1: 5000 records, exact bytes, keys, headers, timestamps, order; survive a restart', async () => {
      const topic = 'kjs-acks-all'
      const expected = await roundtrip(topic, 5000, -1)
      await producer.disconnect()
      await broker.restart()
      await producer.connect()
      const got = await fetchAll(kafka, topic, counts(expected))
      compare(expected, got, `${topic} after a clean restart`)
      // The producer goes on after the restart, from the offsets where the log ended.
      const more = makeRecords(rng, 400, PARTITIONS)
      await produce(producer, topic, more, { acks: -1, startOffsets: counts(expected) })
      for (const r of more) expected[r.partition].push(r)
      compare(expected, await fetchAll(kafka, topic, counts(expected)), `${topic} appended after the restart`)
    })

    it('acks=1: 3000 records', async () => {
      await roundtrip('kjs-acks-1', 3000, 1)
    })

    it('acks=0: 3000 records', async () => {
      await roundtrip('kjs-acks-0', 3000, 0)
    })

    it('gzip: 1500 records', async () => {
      await roundtrip('kjs-gzip', 1500, -1, { compression: CompressionTypes.GZIP })
    })

    it('admin: fetchTopicOffsets, fetchTopicOffsetsByTimestamp, metadata, describeCluster', async () => {
      const topic = 'kjs-offsets'
      const recs = makeRecords(rng, 2000, PARTITIONS)
      const expected = byPartition(recs, PARTITIONS)
      await produce(producer, topic, recs, { acks: -1 })
      const admin = kafka.admin()
      await admin.connect()
      try {
        const offsets = await admin.fetchTopicOffsets(topic)
        assert.deepEqual(
          offsets.sort((a, b) => a.partition - b.partition),
          Object.keys(expected).map(p => {
            const n = String(expected[p].length)
            return { partition: Number(p), offset: n, high: n, low: '0' }
          })
        )
        // The first record at or after a time, per partition; past the last one kafkajs
        // turns ListOffsets' -1 into the high watermark.
        const first = (p, ts) => {
          const i = expected[p].findIndex(r => Number(r.timestamp) >= ts)
          return String(i >= 0 ? i : expected[p].length)
        }
        const times = [0, Number(recs[0].timestamp), Number(recs[1234].timestamp),
          Number(recs[1234].timestamp) + 1, Number(recs[recs.length - 1].timestamp),
          Number(recs[recs.length - 1].timestamp) + 1]
        for (let i = 0; i < 10; i++) times.push(Number(recs[rng.int(recs.length)].timestamp))
        for (const ts of times) {
          const got = await admin.fetchTopicOffsetsByTimestamp(topic, ts)
          assert.deepEqual(
            got.sort((a, b) => a.partition - b.partition),
            Object.keys(expected).map(p => ({ partition: Number(p), offset: first(p, ts) })),
            `fetchTopicOffsetsByTimestamp(${ts})`
          )
        }
        const md = await admin.fetchTopicMetadata({ topics: [topic] })
        assert.equal(md.topics.length, 1)
        assert.equal(md.topics[0].name, topic)
        const parts = md.topics[0].partitions.sort((a, b) => a.partitionId - b.partitionId)
        assert.deepEqual(parts.map(p => p.partitionId), [...Array(PARTITIONS).keys()])
        for (const p of parts) {
          assert.equal(p.partitionErrorCode, 0)
          assert.equal(p.leader, 0)
          assert.deepEqual(p.replicas, [0])
          assert.deepEqual(p.isr, [0])
        }
        assert.ok((await admin.listTopics()).includes(topic))
        const cluster = await admin.describeCluster()
        assert.deepEqual(cluster.brokers, [{ nodeId: 0, host: '127.0.0.1', port: broker.port }])
        assert.equal(cluster.controller, 0)
        assert.ok(cluster.clusterId)
      } finally {
        await admin.disconnect()
      }
    })
  })
}
