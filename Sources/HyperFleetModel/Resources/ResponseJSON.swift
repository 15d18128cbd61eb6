import HyperFleetJSON
// The hand-written JSON forms of every response body. Keys are written in sorted order and absent
// optionals are left out, exactly as the Codable forms encode with `JSONCoding.encoder`;
// `ResponseJSONTests` compares the two byte for byte.

extension Cluster: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        ResourceJSON.write(
            &writer, id: id, kind: kind, href: href, name: name, labels: labels, spec: spec, generation: generation,
            createdTime: createdTime, updatedTime: updatedTime, createdBy: createdBy, updatedBy: updatedBy,
            deletedTime: deletedTime, deletedBy: deletedBy, ownerReferences: nil, status: status)
    }
}

extension NodePool: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        ResourceJSON.write(
            &writer, id: id, kind: kind, href: href, name: name, labels: labels, spec: spec, generation: generation,
            createdTime: createdTime, updatedTime: updatedTime, createdBy: createdBy, updatedBy: updatedBy,
            deletedTime: deletedTime, deletedBy: deletedBy, ownerReferences: ownerReferences, status: status)
    }
}

/// The one layout of a cluster or nodepool body. Models pass parsed values; the store's read path
/// passes the stored JSON of labels, spec and conditions as it is (`JSONFragment`).
public enum ResourceJSON {
    public static func write(
        _ writer: inout JSONWriter, id: String, kind: String, href: String, name: String, labels: some JSONWritable,
        spec: some JSONWritable, generation: Int64, createdTime: Timestamp, updatedTime: Timestamp, createdBy: String,
        updatedBy: String, deletedTime: Timestamp?, deletedBy: String?, ownerReferences: ObjectReference?,
        status: some JSONWritable
    ) {
        writer.beginObject()
        writer.key("created_by")
        writer.string(createdBy)
        writer.key("created_time")
        writer.timestamp(createdTime)
        if let deletedBy {
            writer.key("deleted_by")
            writer.string(deletedBy)
        }
        if let deletedTime {
            writer.key("deleted_time")
            writer.timestamp(deletedTime)
        }
        writer.key("generation")
        writer.int(generation)
        writer.key("href")
        writer.string(href)
        writer.key("id")
        writer.string(id)
        writer.key("kind")
        writer.string(kind)
        writer.key("labels")
        writer.write(labels)
        writer.key("name")
        writer.string(name)
        if let ownerReferences {
            writer.key("owner_references")
            writer.write(ownerReferences)
        }
        writer.key("spec")
        writer.write(spec)
        writer.key("status")
        writer.write(status)
        writer.key("updated_by")
        writer.string(updatedBy)
        writer.key("updated_time")
        writer.timestamp(updatedTime)
        writer.endObject()
    }

    /// The `status` object.
    public static func writeStatus(
        _ writer: inout JSONWriter, phase: Phase, observedGeneration: Int64, lastTransitionTime: Timestamp,
        lastUpdatedTime: Timestamp, conditions: some JSONWritable
    ) {
        writer.beginObject()
        writer.key("conditions")
        writer.write(conditions)
        writer.key("last_transition_time")
        writer.timestamp(lastTransitionTime)
        writer.key("last_updated_time")
        writer.timestamp(lastUpdatedTime)
        writer.key("observed_generation")
        writer.int(observedGeneration)
        writer.key("phase")
        writer.string(phase.rawValue)
        writer.endObject()
    }
}

extension ObjectReference: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("href")
        writer.string(href)
        writer.key("id")
        writer.string(id)
        writer.key("kind")
        writer.string(kind)
        writer.endObject()
    }
}

extension ResourceStatus: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        ResourceJSON.writeStatus(
            &writer, phase: phase, observedGeneration: observedGeneration, lastTransitionTime: lastTransitionTime,
            lastUpdatedTime: lastUpdatedTime, conditions: conditions)
    }
}

extension ResourceCondition: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("created_time")
        writer.timestamp(createdTime)
        writer.key("last_transition_time")
        writer.timestamp(lastTransitionTime)
        writer.key("last_updated_time")
        writer.timestamp(lastUpdatedTime)
        if let message {
            writer.key("message")
            writer.string(message)
        }
        writer.key("observed_generation")
        writer.int(observedGeneration)
        writeConditionTail(&writer, reason: reason, status: status, type: type)
    }
}

extension AdapterStatus: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("adapter")
        writer.string(adapter)
        writer.key("conditions")
        writer.write(conditions)
        writer.key("created_time")
        writer.timestamp(createdTime)
        if let data {
            writer.key("data")
            writer.value(data)
        }
        writer.key("last_report_time")
        writer.timestamp(lastReportTime)
        if let metadata {
            writer.key("metadata")
            writer.value(metadata)
        }
        writer.key("observed_generation")
        writer.int(observedGeneration)
        writer.endObject()
    }
}

extension AdapterCondition: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("last_transition_time")
        writer.timestamp(lastTransitionTime)
        if let message {
            writer.key("message")
            writer.string(message)
        }
        writeConditionTail(&writer, reason: reason, status: status, type: type)
    }
}

/// The members both kinds of condition end with, and the closing brace.
private func writeConditionTail(_ writer: inout JSONWriter, reason: String?, status: ConditionStatus, type: String) {
    if let reason {
        writer.key("reason")
        writer.string(reason)
    }
    writer.key("status")
    writer.string(status.rawValue)
    writer.key("type")
    writer.string(type)
    writer.endObject()
}

extension ListPage: JSONWritable where Item: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("items")
        writer.write(items)
        writer.key("kind")
        writer.string(kind)
        writer.key("page")
        writer.int(Int64(page))
        writer.key("size")
        writer.int(Int64(size))
        writer.key("total")
        writer.int(Int64(total))
        writer.endObject()
    }
}

extension ErrorBody: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("code")
        writer.string(code)
        if let details {
            writer.key("details")
            writer.beginArray()
            for detail in details {
                writer.beginObject()
                writer.key("error")
                writer.string(detail.error)
                writer.key("field")
                writer.string(detail.field)
                writer.endObject()
            }
            writer.endArray()
        }
        writer.key("href")
        writer.string(href)
        writer.key("id")
        writer.string(id)
        writer.key("kind")
        writer.string(kind)
        writer.key("operation_id")
        writer.string(operationID)
        writer.key("reason")
        writer.string(reason)
        writer.endObject()
    }
}

extension JSONWriter {
    /// `"2026-11-25T10:00:00.123456Z"`, written without building a String.
    public mutating func timestamp(_ time: Timestamp) {
        unescapedString { time.appendRFC3339(to: &$0) }
    }

    /// The instant, or `null`.
    public mutating func timestamp(_ time: Timestamp?) {
        if let time { timestamp(time) } else { null() }
    }
}
