using Ferry.Engine.Rules.Internal;

namespace Ferry.Engine.Tests.Rules;

/// <summary>A row filter must be one balanced expression: its parentheses cannot close Ferry's.</summary>
public sealed class FilterTextTests
{
    public static TheoryData<string, string> Refused => new()
    {
        { "1=1) or (1=1", "the ')' at position 4 closes nothing" },
        { "true) UNION SELECT (1", "the ')' at position 5 closes nothing" },
        { "userid > 1)", "closes nothing" },
        { "(userid > 1", "the '(' at position 1 is not closed" },
        { "(arr[1) = 2]", "the ')' at position 7 closes nothing" },
        { "engname = 'x') or ('y' = 'y'", "closes nothing" },
        { "engname = 'unclosed", "string constant opened at position 11 is not closed" },
        { "\"unclosed = 1", "quoted identifier opened at position 1 is not closed" },
        { "true /* ) unclosed", "comment opened at position 6 is not closed" },
        { "true /* nested /* */ still open", "comment opened" },
        { "engname = $$x) or (true", "dollar-quoted string opened at position 11 is not closed" },
        { "engname = $a$x$b$", "dollar-quoted string" },
        { "true; drop table x", "';' at position 5" },
        { "userid = $1", "query parameter" },
        // With standard_conforming_strings on, a backslash does not escape the quote: the string ends early.
        { "engname = 'a\\') or (true", "closes nothing" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Problem_RefusesWhatIsNotOneBalancedExpression(string filter, string message)
    {
        var problem = FilterText.Problem(filter);
        Assert.NotNull(problem);
        Assert.True(problem.Contains(message, StringComparison.Ordinal), problem);
    }

    public static TheoryData<string> Accepted =>
    [
        "userid <= 1000",
        "region = 'EU'",
        "engname = ')' OR engname = 'it''s ('",
        "\"we)ird\"\"(\" > 0",
        "userid > 1 -- the first ) are left out",
        "/* ( */ userid > 1",
        "/* nested /* ) */ still a comment ( */ true",
        "engname = $$a)b$$ AND engname <> $q$ (( $q$",
        "engname = E'\\')' AND engname <> e'(\\\\'",
        "a$b > 1 AND a$$ = 2",
        "CASE WHEN userid > 5 THEN (userid % 2 = 0) ELSE false END",
        "userid IN (1, 2, 3) AND (ARRAY[1, 2])[1] = 1",
        "lower(engname) = 'x' AND birthday > '2000-01-01'::date AND 1.5e3 > 1",
        "engname = U&'d\\0061t\\+000061' AND \"$1\" = 1 AND engname <> '$1'",
    ];

    [Theory]
    [MemberData(nameof(Accepted))]
    public void Problem_AcceptsOneExpression_WithQuotesCommentsAndDollarQuotes(string filter) => Assert.Null(FilterText.Problem(filter));

    [Fact]
    public void Problem_ReadsBackslashesAsTheServerDoes_WhenStandardConformingStringsIsOff()
    {
        const string filter = "engname = 'a\\')' AND true";
        Assert.NotNull(FilterText.Problem(filter, standardConformingStrings: true));
        Assert.Null(FilterText.Problem(filter, standardConformingStrings: false));
    }
}
