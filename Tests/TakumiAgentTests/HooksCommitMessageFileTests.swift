import Foundation
import Testing
import TakumiAgent

@Suite("Hooks: prepare-commit-msg rules")
struct HooksCommitMessageFileTests {
    @Test func suggestsOnlyForPlainCommitsAndTemplates() {
        #expect(CommitMessageFile.shouldSuggest(source: nil))
        #expect(CommitMessageFile.shouldSuggest(source: ""))
        #expect(CommitMessageFile.shouldSuggest(source: "template"))
        for source in ["message", "merge", "squash", "commit"] {
            #expect(!CommitMessageFile.shouldSuggest(source: source), "source \(source)")
        }
    }

    @Test func keepsGitCommentLines() {
        let gitText = "\n# Please enter the commit message for your changes. Lines starting\n# with '#' will be ignored.\n#\n# On branch main\n"
        let result = CommitMessageFile.inserting("Add parser\n\nIt reads TOML.\n", into: gitText)
        #expect(result == "Add parser\n\nIt reads TOML.\n\n# Please enter the commit message for your changes. Lines starting\n# with '#' will be ignored.\n#\n# On branch main\n")
    }

    @Test func keepsTheVerboseDiffBelowTheScissors() {
        let gitText = "\n# comment\n# ------------------------ >8 ------------------------\n# Do not modify or remove the line above.\ndiff --git a/x b/x\n+new line\n"
        #expect(CommitMessageFile.userContent(of: gitText) == "")
        let result = CommitMessageFile.inserting("Fix x", into: gitText)
        #expect(result == "Fix x\n\n# comment\n# ------------------------ >8 ------------------------\n# Do not modify or remove the line above.\ndiff --git a/x b/x\n+new line\n")
    }

    @Test func keepsATemplatesOwnTextBelowTheSuggestion() {
        let template = "Ticket: \n\n# Write the ticket number\n"
        let result = CommitMessageFile.inserting("Fix crash on empty input", into: template)
        #expect(result == "Fix crash on empty input\n\nTicket: \n\n# Write the ticket number\n")
    }

    @Test func customCommentCharacter() {
        #expect(CommitMessageFile.commentChar(fromConfig: ";") == ";")
        #expect(CommitMessageFile.commentChar(fromConfig: "auto") == "#")
        #expect(CommitMessageFile.commentChar(fromConfig: nil) == "#")
        let text = "\n; Please enter the commit message\n"
        #expect(CommitMessageFile.inserting("Subject", into: text, commentChar: ";") == "Subject\n\n; Please enter the commit message\n")
    }

    @Test func emptySuggestionChangesNothing() {
        #expect(CommitMessageFile.inserting("  \n", into: "\n# c\n") == "\n# c\n")
    }
}
