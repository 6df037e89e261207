import Foundation

/// Where the lines a fork wrote meet the original lines again.
public enum LineResync {
    /// The new body: the original's lines before the fork's line, the lines written from the
    /// fork on up to the first written line that equals an original line at or after the
    /// fork's line (at most 3 lines on), then the original from that line. `head` is the
    /// original text before the fork; `written` what follows it in the new text. When the
    /// model ended the body (`finished`), its end meets the original's end. nil when they
    /// never meet.
    /// A written line indented less than the body (`bodyIndent` columns) is past the body's end.
    public static func splice(original: String, head: String, written: String, finished: Bool, bodyIndent: Int) -> String? {
        let originalLines = original.components(separatedBy: "\n").dropLast().map { String($0) }   // ends with "\n"
        let headLines = head.components(separatedBy: "\n")
        let forkLine = headLines.count - 1                       // the line the fork is in
        let lineStart = headLines.last ?? ""
        var newLines = (lineStart + written).components(separatedBy: "\n")
        // The last piece is a line still being written unless the model finished.
        let complete = finished ? newLines.count : newLines.count - 1
        if finished, newLines.last.map(CodeStructure.isBlank) == true { newLines.removeLast() }
        guard forkLine < originalLines.count else { return nil }
        let kept = originalLines[..<forkLine]
        let window = forkLine...min(forkLine + 3, originalLines.count)
        // Written line j+1 meeting original line m: the new lines are 0...j.
        for j in 0..<max(0, min(complete, newLines.count) - 1) {
            let next = newLines[j + 1]
            guard !CodeStructure.isBlank(next) else { continue }
            if let m = window.first(where: { $0 < originalLines.count && originalLines[$0] == next }) {
                let body = Array(kept) + newLines[0...j] + originalLines[m...]
                return body.joined(separator: "\n") + "\n"
            }
            if CodeStructure.indentation(of: next) < bodyIndent {   // the model went on past the body's end
                return (Array(kept) + newLines[0...j]).joined(separator: "\n") + "\n"
            }
        }
        if finished {
            return (Array(kept) + newLines).joined(separator: "\n") + "\n"
        }
        return nil
    }
}
