using System.Text;

namespace OrgDispatch.Tree;

// Org's comma escape in blocks: a line of a src or example block that would start a headline or a
// "#+" line is written with a comma in front (",* not a headline"); org-element's :value drops it.
internal static class OrgEscapes
{
    public static string UnescapeCode(string body)
    {
        if (!body.Contains(',')) return body;
        var sb = new StringBuilder(body.Length);
        int p = 0;
        while (p < body.Length)
        {
            int nl = body.IndexOf('\n', p);
            int lineEnd = nl < 0 ? body.Length : nl + 1;
            // "^[ \t]*,*\(,\)\(?:\*\|#\+\)": the last comma of a run of commas before "*" or "#+" goes.
            int i = p;
            while (i < lineEnd && body[i] is ' ' or '\t') i++;
            while (i + 1 < lineEnd && body[i] == ',' && body[i + 1] == ',') i++;
            bool escaped = i + 1 < lineEnd && body[i] == ','
                && (body[i + 1] == '*' || (body[i + 1] == '#' && i + 2 < lineEnd && body[i + 2] == '+'));
            if (escaped) sb.Append(body, p, i - p).Append(body, i + 1, lineEnd - i - 1);
            else sb.Append(body, p, lineEnd - p);
            p = lineEnd;
        }
        return sb.ToString();
    }
}
