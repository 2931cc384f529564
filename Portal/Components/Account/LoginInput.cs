using System.ComponentModel.DataAnnotations;

namespace Ferry.Portal.Components.Account;

/// <summary>What the login form posts.</summary>
public sealed class LoginInput
{
    [Required(ErrorMessage = "Enter your user name.")]
    public string UserName { get; set; } = "";

    [Required(ErrorMessage = "Enter your password.")]
    [DataType(DataType.Password)]
    public string Password { get; set; } = "";
}
