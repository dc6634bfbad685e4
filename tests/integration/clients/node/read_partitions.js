'use strict'
// Reads partitions of a topic from the beginning with a kafkajs consumer and prints one
// JSON line per record: [partition, offset, key (base64 or null), value (base64 or null)].
// Used by ../test_codecs.py to check that kafkajs reads what other clients produced. Not a
// test by itself. kafkajs decodes gzip itself; snappy, lz4 and zstd need codec plugins
// that are not installed, so callers ask only for gzip (or uncompressed) partitions.
//   node read_partitions.js --bootstrap H:P --topic T --partitions 0,5 --count N

const { Kafka, logLevel } = require('kafkajs')

function arg(name) {
  const i = process.argv.indexOf('--' + name)
  if (i < 0) throw new Error('missing --' + name)
  return process.argv[i + 1]
}

const partitions = new Set(arg('partitions').split(',').map(Number))
const wanted = Number(arg('count')) * partitions.size
const kafka = new Kafka({ clientId: 'read-partitions', brokers: [arg('bootstrap')], logLevel: logLevel.ERROR })
const consumer = kafka.consumer({ groupId: 'read-partitions-' + process.pid })
const b64 = (b) => (b === null ? null : b.toString('base64'))

async function main() {
  await consumer.connect()
  await consumer.subscribe({ topic: arg('topic'), fromBeginning: true })
  let seen = 0
  await new Promise((resolve) => {
    const timer = setTimeout(resolve, 30000)
    consumer.run({
      eachMessage: async ({ partition, message }) => {
        if (!partitions.has(partition)) return
        console.log(JSON.stringify([partition, Number(message.offset), b64(message.key), b64(message.value)]))
        if (++seen >= wanted) {
          clearTimeout(timer)
          resolve()
        }
      },
    })
  })
  await consumer.disconnect()
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
