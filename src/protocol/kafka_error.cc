#include "sluice/protocol/kafka_error.h"

namespace sluice::protocol {
namespace {

struct error_text {
    const char* name;
    const char* message;
};

// One switch with no default, so a code added to the enum without its text fails to build
// (-Wswitch). The sentences are ours; Kafka's Errors.java has longer ones.
error_text text_of(kafka_error e) {
    switch (e) {
        case kafka_error::unknown_server_error:
            return {"UNKNOWN_SERVER_ERROR",
                    "The server hit an unexpected error while handling the request."};
        case kafka_error::none:
            return {"NONE", ""};
        case kafka_error::offset_out_of_range:
            return {"OFFSET_OUT_OF_RANGE",
                    "The requested offset is outside the range the partition holds."};
        case kafka_error::corrupt_message:
            return {"CORRUPT_MESSAGE",
                    "A record batch failed its checksum or is otherwise malformed."};
        case kafka_error::unknown_topic_or_partition:
            return {"UNKNOWN_TOPIC_OR_PARTITION",
                    "This broker does not host this topic or partition."};
        case kafka_error::invalid_fetch_size:
            return {"INVALID_FETCH_SIZE", "The requested fetch size is not valid."};
        case kafka_error::leader_not_available:
            return {"LEADER_NOT_AVAILABLE",
                    "The partition has no leader right now; an election is in progress."};
        case kafka_error::not_leader_or_follower:
            return {"NOT_LEADER_OR_FOLLOWER",
                    "This broker is not the leader (or a follower) of the partition."};
        case kafka_error::request_timed_out:
            return {"REQUEST_TIMED_OUT", "The request timed out."};
        case kafka_error::broker_not_available:
            return {"BROKER_NOT_AVAILABLE", "The broker is not available."};
        case kafka_error::replica_not_available:
            return {"REPLICA_NOT_AVAILABLE", "The replica is not available for this partition."};
        case kafka_error::message_too_large:
            return {"MESSAGE_TOO_LARGE",
                    "The batch is larger than the largest message the broker accepts."};
        case kafka_error::stale_controller_epoch:
            return {"STALE_CONTROLLER_EPOCH", "The request came from an old controller epoch."};
        case kafka_error::offset_metadata_too_large:
            return {"OFFSET_METADATA_TOO_LARGE", "The offset commit metadata is too large."};
        case kafka_error::network_exception:
            return {"NETWORK_EXCEPTION", "The connection closed before a response arrived."};
        case kafka_error::coordinator_load_in_progress:
            return {"COORDINATOR_LOAD_IN_PROGRESS", "The coordinator is still loading its state."};
        case kafka_error::coordinator_not_available:
            return {"COORDINATOR_NOT_AVAILABLE", "The coordinator is not available."};
        case kafka_error::not_coordinator:
            return {"NOT_COORDINATOR",
                    "This broker is not the coordinator for the group or transaction."};
        case kafka_error::invalid_topic_exception:
            return {"INVALID_TOPIC_EXCEPTION",
                    "The topic name is not valid or the topic cannot be used this way."};
        case kafka_error::record_list_too_large:
            return {"RECORD_LIST_TOO_LARGE", "The batch is larger than the segment size."};
        case kafka_error::not_enough_replicas:
            return {"NOT_ENOUGH_REPLICAS",
                    "Fewer replicas are in sync than min.insync.replicas requires."};
        case kafka_error::not_enough_replicas_after_append:
            return {"NOT_ENOUGH_REPLICAS_AFTER_APPEND",
                    "Written, but to fewer in-sync replicas than required."};
        case kafka_error::invalid_required_acks:
            return {"INVALID_REQUIRED_ACKS", "The acks value is not valid (use -1, 0 or 1)."};
        case kafka_error::illegal_generation:
            return {"ILLEGAL_GENERATION", "The group generation is not the current one."};
        case kafka_error::inconsistent_group_protocol:
            return {"INCONSISTENT_GROUP_PROTOCOL",
                    "The member's protocols do not match those of the group."};
        case kafka_error::invalid_group_id:
            return {"INVALID_GROUP_ID", "The group id is not valid."};
        case kafka_error::unknown_member_id:
            return {"UNKNOWN_MEMBER_ID", "The coordinator does not know this member."};
        case kafka_error::invalid_session_timeout:
            return {"INVALID_SESSION_TIMEOUT",
                    "The session timeout is outside the range the broker allows."};
        case kafka_error::rebalance_in_progress:
            return {"REBALANCE_IN_PROGRESS", "The group is rebalancing; the member must rejoin."};
        case kafka_error::invalid_commit_offset_size:
            return {"INVALID_COMMIT_OFFSET_SIZE", "The offset commit is not a valid size."};
        case kafka_error::topic_authorization_failed:
            return {"TOPIC_AUTHORIZATION_FAILED", "Not authorized to access this topic."};
        case kafka_error::group_authorization_failed:
            return {"GROUP_AUTHORIZATION_FAILED", "Not authorized to access this group."};
        case kafka_error::cluster_authorization_failed:
            return {"CLUSTER_AUTHORIZATION_FAILED",
                    "Not authorized to perform this cluster operation."};
        case kafka_error::invalid_timestamp:
            return {"INVALID_TIMESTAMP", "A record timestamp is outside the accepted range."};
        case kafka_error::unsupported_sasl_mechanism:
            return {"UNSUPPORTED_SASL_MECHANISM",
                    "The broker does not support this SASL mechanism."};
        case kafka_error::illegal_sasl_state:
            return {"ILLEGAL_SASL_STATE", "The request is not valid in the current SASL state."};
        case kafka_error::unsupported_version:
            return {"UNSUPPORTED_VERSION", "The broker does not support this API version."};
        case kafka_error::topic_already_exists:
            return {"TOPIC_ALREADY_EXISTS", "A topic with this name already exists."};
        case kafka_error::invalid_partitions:
            return {"INVALID_PARTITIONS", "The number of partitions is not valid."};
        case kafka_error::invalid_replication_factor:
            return {"INVALID_REPLICATION_FACTOR",
                    "The replication factor is below 1 or above the number of brokers."};
        case kafka_error::invalid_replica_assignment:
            return {"INVALID_REPLICA_ASSIGNMENT", "The replica assignment is not valid."};
        case kafka_error::invalid_config:
            return {"INVALID_CONFIG", "The configuration is not valid."};
        case kafka_error::not_controller:
            return {"NOT_CONTROLLER", "This broker is not the controller."};
        case kafka_error::invalid_request:
            return {"INVALID_REQUEST", "The request is malformed or not valid for this broker."};
        case kafka_error::unsupported_for_message_format:
            return {"UNSUPPORTED_FOR_MESSAGE_FORMAT",
                    "The message format on the broker does not support this request."};
        case kafka_error::policy_violation:
            return {"POLICY_VIOLATION", "The request violates the configured policy."};
        case kafka_error::out_of_order_sequence_number:
            return {"OUT_OF_ORDER_SEQUENCE_NUMBER",
                    "The producer sequence number is out of order."};
        case kafka_error::duplicate_sequence_number:
            return {"DUPLICATE_SEQUENCE_NUMBER", "The producer sequence number is a duplicate."};
        case kafka_error::invalid_producer_epoch:
            return {"INVALID_PRODUCER_EPOCH", "The producer epoch is older than the current one."};
        case kafka_error::invalid_txn_state:
            return {"INVALID_TXN_STATE",
                    "The transactional operation is not valid in the current state."};
        case kafka_error::invalid_producer_id_mapping:
            return {"INVALID_PRODUCER_ID_MAPPING",
                    "The producer id is not assigned to this transactional id."};
        case kafka_error::invalid_transaction_timeout:
            return {"INVALID_TRANSACTION_TIMEOUT",
                    "The transaction timeout exceeds the broker maximum."};
        case kafka_error::concurrent_transactions:
            return {"CONCURRENT_TRANSACTIONS",
                    "Another operation on this transaction is in progress."};
        case kafka_error::transaction_coordinator_fenced:
            return {"TRANSACTION_COORDINATOR_FENCED",
                    "The transaction coordinator is no longer current."};
        case kafka_error::transactional_id_authorization_failed:
            return {"TRANSACTIONAL_ID_AUTHORIZATION_FAILED",
                    "Not authorized to use this transactional id."};
        case kafka_error::security_disabled:
            return {"SECURITY_DISABLED", "Security features are disabled."};
        case kafka_error::operation_not_attempted:
            return {"OPERATION_NOT_ATTEMPTED", "The broker did not attempt this operation."};
        case kafka_error::kafka_storage_error:
            return {"KAFKA_STORAGE_ERROR", "A disk error occurred while accessing the log."};
        case kafka_error::log_dir_not_found:
            return {"LOG_DIR_NOT_FOUND", "The log directory is not one the broker has."};
        case kafka_error::sasl_authentication_failed:
            return {"SASL_AUTHENTICATION_FAILED", "SASL authentication failed."};
        case kafka_error::unknown_producer_id:
            return {"UNKNOWN_PRODUCER_ID", "The broker has no state for this producer id."};
        case kafka_error::reassignment_in_progress:
            return {"REASSIGNMENT_IN_PROGRESS", "A partition reassignment is in progress."};
        case kafka_error::delegation_token_auth_disabled:
            return {"DELEGATION_TOKEN_AUTH_DISABLED", "Delegation tokens are not enabled."};
        case kafka_error::delegation_token_not_found:
            return {"DELEGATION_TOKEN_NOT_FOUND", "The delegation token was not found."};
        case kafka_error::delegation_token_owner_mismatch:
            return {"DELEGATION_TOKEN_OWNER_MISMATCH",
                    "The principal is not the token's owner or renewer."};
        case kafka_error::delegation_token_request_not_allowed:
            return {"DELEGATION_TOKEN_REQUEST_NOT_ALLOWED",
                    "Delegation token requests are not allowed on this channel."};
        case kafka_error::delegation_token_authorization_failed:
            return {"DELEGATION_TOKEN_AUTHORIZATION_FAILED",
                    "Delegation token authorization failed."};
        case kafka_error::delegation_token_expired:
            return {"DELEGATION_TOKEN_EXPIRED", "The delegation token has expired."};
        case kafka_error::invalid_principal_type:
            return {"INVALID_PRINCIPAL_TYPE", "The principal type is not supported."};
        case kafka_error::non_empty_group:
            return {"NON_EMPTY_GROUP", "The group is not empty."};
        case kafka_error::group_id_not_found:
            return {"GROUP_ID_NOT_FOUND", "The group does not exist."};
        case kafka_error::fetch_session_id_not_found:
            return {"FETCH_SESSION_ID_NOT_FOUND", "The fetch session was not found."};
        case kafka_error::invalid_fetch_session_epoch:
            return {"INVALID_FETCH_SESSION_EPOCH", "The fetch session epoch is not valid."};
        case kafka_error::listener_not_found:
            return {"LISTENER_NOT_FOUND", "The leader has no listener matching this one."};
        case kafka_error::topic_deletion_disabled:
            return {"TOPIC_DELETION_DISABLED", "Topic deletion is disabled."};
        case kafka_error::fenced_leader_epoch:
            return {"FENCED_LEADER_EPOCH",
                    "The leader epoch in the request is older than the broker's."};
        case kafka_error::unknown_leader_epoch:
            return {"UNKNOWN_LEADER_EPOCH",
                    "The leader epoch in the request is newer than the broker's."};
        case kafka_error::unsupported_compression_type:
            return {"UNSUPPORTED_COMPRESSION_TYPE",
                    "The client does not support the partition's compression type."};
        case kafka_error::stale_broker_epoch:
            return {"STALE_BROKER_EPOCH", "The broker epoch has changed."};
        case kafka_error::offset_not_available:
            return {"OFFSET_NOT_AVAILABLE",
                    "The offset is not available yet after a leader change."};
        case kafka_error::member_id_required:
            return {"MEMBER_ID_REQUIRED",
                    "The member must rejoin with the member id it was given."};
        case kafka_error::preferred_leader_not_available:
            return {"PREFERRED_LEADER_NOT_AVAILABLE", "The preferred leader is not available."};
        case kafka_error::group_max_size_reached:
            return {"GROUP_MAX_SIZE_REACHED", "The group has reached its maximum size."};
        case kafka_error::fenced_instance_id:
            return {"FENCED_INSTANCE_ID", "Another member with this group.instance.id has joined."};
        case kafka_error::eligible_leaders_not_available:
            return {"ELIGIBLE_LEADERS_NOT_AVAILABLE",
                    "No eligible leader is available for the partition."};
        case kafka_error::election_not_needed:
            return {"ELECTION_NOT_NEEDED", "The partition does not need a leader election."};
        case kafka_error::no_reassignment_in_progress:
            return {"NO_REASSIGNMENT_IN_PROGRESS", "No partition reassignment is in progress."};
        case kafka_error::group_subscribed_to_topic:
            return {"GROUP_SUBSCRIBED_TO_TOPIC",
                    "The group is subscribed to the topic, so its offsets cannot be deleted."};
        case kafka_error::invalid_record:
            return {"INVALID_RECORD", "A record failed validation on the broker."};
        case kafka_error::unstable_offset_commit:
            return {"UNSTABLE_OFFSET_COMMIT",
                    "There are pending transactional offsets for this partition."};
        case kafka_error::throttling_quota_exceeded:
            return {"THROTTLING_QUOTA_EXCEEDED", "The throttling quota has been exceeded."};
        case kafka_error::producer_fenced:
            return {"PRODUCER_FENCED", "A newer producer with the same transactional id exists."};
        case kafka_error::resource_not_found:
            return {"RESOURCE_NOT_FOUND", "The requested resource does not exist."};
        case kafka_error::duplicate_resource:
            return {"DUPLICATE_RESOURCE", "The request names the same resource twice."};
        case kafka_error::unacceptable_credential:
            return {"UNACCEPTABLE_CREDENTIAL",
                    "The credential does not meet the acceptance criteria."};
        case kafka_error::inconsistent_voter_set:
            return {"INCONSISTENT_VOTER_SET",
                    "The sender or receiver is not one of the expected voters."};
        case kafka_error::invalid_update_version:
            return {"INVALID_UPDATE_VERSION", "The update version is not valid."};
        case kafka_error::feature_update_failed:
            return {"FEATURE_UPDATE_FAILED", "The finalized features could not be updated."};
        case kafka_error::principal_deserialization_failure:
            return {"PRINCIPAL_DESERIALIZATION_FAILURE",
                    "The forwarded request principal could not be read."};
        case kafka_error::snapshot_not_found:
            return {"SNAPSHOT_NOT_FOUND", "The requested snapshot was not found."};
        case kafka_error::position_out_of_range:
            return {"POSITION_OUT_OF_RANGE", "The position is outside the snapshot."};
        case kafka_error::unknown_topic_id:
            return {"UNKNOWN_TOPIC_ID", "This broker does not host this topic id."};
        case kafka_error::duplicate_broker_registration:
            return {"DUPLICATE_BROKER_REGISTRATION", "This broker id is already registered."};
        case kafka_error::broker_id_not_registered:
            return {"BROKER_ID_NOT_REGISTERED", "This broker id is not registered."};
        case kafka_error::inconsistent_topic_id:
            return {"INCONSISTENT_TOPIC_ID", "The topic id does not match the log's topic id."};
        case kafka_error::inconsistent_cluster_id:
            return {"INCONSISTENT_CLUSTER_ID", "The cluster id does not match this cluster's."};
        case kafka_error::transactional_id_not_found:
            return {"TRANSACTIONAL_ID_NOT_FOUND", "The transactional id was not found."};
        case kafka_error::fetch_session_topic_id_error:
            return {"FETCH_SESSION_TOPIC_ID_ERROR",
                    "The fetch session mixed topic ids inconsistently."};
        case kafka_error::ineligible_replica:
            return {"INELIGIBLE_REPLICA", "The new ISR contains an ineligible replica."};
        case kafka_error::new_leader_elected:
            return {"NEW_LEADER_ELECTED",
                    "The partition state changed, but the leader has changed too."};
        case kafka_error::offset_moved_to_tiered_storage:
            return {"OFFSET_MOVED_TO_TIERED_STORAGE",
                    "The requested offset has moved to tiered storage."};
        case kafka_error::fenced_member_epoch:
            return {"FENCED_MEMBER_EPOCH", "The member epoch is fenced; the member must rejoin."};
        case kafka_error::unreleased_instance_id:
            return {"UNRELEASED_INSTANCE_ID", "Another member still uses this instance id."};
        case kafka_error::unsupported_assignor:
            return {"UNSUPPORTED_ASSIGNOR", "The group does not support this assignor."};
        case kafka_error::stale_member_epoch:
            return {"STALE_MEMBER_EPOCH", "The member epoch is stale."};
        case kafka_error::mismatched_endpoint_type:
            return {"MISMATCHED_ENDPOINT_TYPE",
                    "The request was sent to the wrong kind of endpoint."};
        case kafka_error::unsupported_endpoint_type:
            return {"UNSUPPORTED_ENDPOINT_TYPE", "This endpoint type is not supported."};
        case kafka_error::unknown_controller_id:
            return {"UNKNOWN_CONTROLLER_ID", "This controller id is not known."};
        case kafka_error::unknown_subscription_id:
            return {"UNKNOWN_SUBSCRIPTION_ID",
                    "The telemetry subscription id is unknown or outdated."};
        case kafka_error::telemetry_too_large:
            return {"TELEMETRY_TOO_LARGE", "The telemetry push is too large."};
        case kafka_error::invalid_registration:
            return {"INVALID_REGISTRATION", "The broker registration is not valid."};
        case kafka_error::transaction_abortable:
            return {"TRANSACTION_ABORTABLE",
                    "The transaction hit an error; the client can abort it and continue."};
    }
    return {"UNKNOWN_ERROR_CODE", "The broker returned an error code this client does not know."};
}

}  // namespace

const char* kafka_error_name(kafka_error e) {
    return text_of(e).name;
}

const char* kafka_error_message(kafka_error e) {
    return text_of(e).message;
}

}  // namespace sluice::protocol
