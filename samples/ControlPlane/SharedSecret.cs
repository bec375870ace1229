using System.Security.Cryptography;
using System.Text;

namespace ControlPlane;

/// <summary>Every call carries <c>Authorization: Bearer SECRET</c>: 401 without it, 403 with another
/// secret. Both sides are hashed before the constant-time comparison, so neither the secret's
/// content nor its length shows in the time a refusal takes.</summary>
public sealed class SharedSecret : IEndpointFilter
{
    private readonly byte[] _expected;

    /// <summary>Keeps the hash of <paramref name="secret"/> only.</summary>
    /// <exception cref="ArgumentException">The secret is empty.</exception>
    public SharedSecret(string secret)
    {
        if (string.IsNullOrEmpty(secret)) throw new ArgumentException("The shared secret must not be empty (--secret or CONTROLPLANE_SHARED_SECRET).", nameof(secret));
        _expected = SHA256.HashData(Encoding.UTF8.GetBytes(secret));
    }

    /// <summary>Whether <paramref name="presented"/> is the secret.</summary>
    public bool Matches(string presented) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), _expected);

    /// <inheritdoc />
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        string? header = context.HttpContext.Request.Headers.Authorization;
        if (header is null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
            return ValueTask.FromResult<object?>(Errors.Json(StatusCodes.Status401Unauthorized, "unauthorized", "Send Authorization: Bearer SECRET."));
        }
        if (!Matches(header["Bearer ".Length..].Trim()))
        {
            return ValueTask.FromResult<object?>(Errors.Json(StatusCodes.Status403Forbidden, "forbidden", "The bearer secret is not this control plane's."));
        }
        return next(context);
    }
}

/// <summary>Every error the API sends: <c>{"error": CODE, "message": TEXT}</c>.</summary>
public static class Errors
{
    /// <summary>An error body with its status code.</summary>
    public static IResult Json(int status, string code, string message) =>
        Results.Json(new { error = code, message }, statusCode: status);
}
