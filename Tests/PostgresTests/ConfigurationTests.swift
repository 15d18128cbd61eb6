import Postgres
import Testing

@Suite struct ConfigurationTests {
    @Test func redactionRemovesPasswordFromURI() {
        let configuration = PostgresConfiguration(connectionString: "postgresql://app:s3cret@db.example:5433/fleet?sslmode=require")
        let text = configuration.redactedDescription
        #expect(!text.contains("s3cret"))
        #expect(text.contains("db.example"))
        #expect(text.contains("5433"))
        #expect(text.contains("sslmode='require'"))
    }

    @Test func redactionRemovesPasswordFromKeyValueForm() {
        let text = PostgresConfiguration(connectionString: "host=h password='a b' dbname=d").redactedDescription
        #expect(!text.contains("a b"))
        #expect(!text.contains("password"))
        #expect(text.contains("host='h'"))
    }

    @Test func redactionOfEmptyAndInvalidStrings() {
        #expect(PostgresConfiguration(connectionString: "").redactedDescription.contains("environment"))
        #expect(!PostgresConfiguration(connectionString: "postgresql://x:pw@h:9/d").redactedDescription.contains("pw"))
        #expect(PostgresConfiguration(connectionString: "nonsense without equals").redactedDescription == "(unparseable connection string)")
    }

    @Test func replacingDatabaseKeepsOtherSettings() throws {
        let text = try PostgresConfiguration.connectionString(
            "postgresql://postgres@127.0.0.1:54329/postgres?application_name=x", replacingDatabaseWith: "hf_other")
        #expect(text.contains("dbname='hf_other'"))
        #expect(!text.contains("dbname='postgres'"))
        #expect(text.contains("port='54329'"))
        #expect(text.contains("application_name='x'"))
    }

    @Test func replacingDatabaseRejectsInvalidString() {
        #expect(throws: PostgresError.self) {
            try PostgresConfiguration.connectionString("this is = not valid '", replacingDatabaseWith: "d")
        }
    }

    @Test func defaultsMatchTheContract() {
        let configuration = PostgresConfiguration(connectionString: "")
        #expect(configuration.poolSize == 10)
        #expect(configuration.connectTimeout == .seconds(3))
        #expect(configuration.acquireTimeout == .seconds(5))
        #expect(configuration.applicationName == "hyperfleet")
        #expect(configuration.statementTimeout == nil)
    }

    @Test func errorClassification() {
        #expect(PostgresError(kind: .server, message: "dup", sqlState: "23505").isUniqueViolation)
        #expect(!PostgresError(kind: .server, message: "x", sqlState: "23503").isUniqueViolation)
        #expect(PostgresError(kind: .server, message: "x", sqlState: "57P01").isUnavailable)
        #expect(PostgresError(kind: .server, message: "x", sqlState: "08006").isUnavailable)
        #expect(PostgresError(kind: .connection, message: "refused").isUnavailable)
        #expect(PostgresError(kind: .timeout, message: "busy").isUnavailable)
        #expect(!PostgresError(kind: .server, message: "x", sqlState: "42P01").isUnavailable)
        #expect(!PostgresError(kind: .decoding, message: "x").isUnavailable)
        let description = PostgresError(kind: .server, message: "boom", sqlState: "23505", detail: "d", constraint: "c").description
        #expect(description.contains("23505") && description.contains("boom") && description.contains("c"))
    }
}
